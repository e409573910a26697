import COpenBLAS

/// The CPU reference of `Conv2D`: im2col per image and OpenBLAS's sgemm, on host arrays.
///
/// Also the "OpenBLAS CPU reference path" of the benchmarks, so it works per image on one
/// reused column buffer rather than element by element.
public struct ConvReference {
    public let input: Shape
    public let config: Conv2DConfig
    public let output: Shape

    public init(input: Shape, config: Conv2DConfig) throws {
        self.input = input
        self.config = config
        let h = try OutputSize.compute(layer: "reference", axis: "height", input: input.height, window: config.size, stride: config.stride,
                                       padding: config.padding, dilation: config.dilation, rounding: config.rounding)
        let w = try OutputSize.compute(layer: "reference", axis: "width", input: input.width, window: config.size, stride: config.stride,
                                       padding: config.padding, dilation: config.dilation, rounding: config.rounding)
        output = Shape(channels: config.filters, height: h, width: w)
    }

    var pixels: Int { output.height * output.width }
    var depth: Int { input.channels / config.groups * config.size * config.size }
    var filtersPerGroup: Int { config.filters / config.groups }

    /// col[C*F*F][P] of one image (row = c*F*F + ky*F + kx).
    func unfold(_ x: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>) {
        let f = config.size
        for c in 0..<input.channels {
            for ky in 0..<f {
                for kx in 0..<f {
                    let row = (c * f + ky) * f + kx
                    for oy in 0..<output.height {
                        let iy = oy * config.stride - config.padding + ky * config.dilation
                        for ox in 0..<output.width {
                            let ix = ox * config.stride - config.padding + kx * config.dilation
                            let inside = iy >= 0 && iy < input.height && ix >= 0 && ix < input.width
                            col[row * pixels + oy * output.width + ox] = inside ? x[(c * input.height + iy) * input.width + ix] : 0
                        }
                    }
                }
            }
        }
    }

    /// Adds col[C*F*F][P] back into dx of one image (the adjoint of `unfold`).
    func fold(_ col: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let f = config.size
        for c in 0..<input.channels {
            for ky in 0..<f {
                for kx in 0..<f {
                    let row = (c * f + ky) * f + kx
                    for oy in 0..<output.height {
                        let iy = oy * config.stride - config.padding + ky * config.dilation
                        guard iy >= 0 && iy < input.height else { continue }
                        for ox in 0..<output.width {
                            let ix = ox * config.stride - config.padding + kx * config.dilation
                            guard ix >= 0 && ix < input.width else { continue }
                            dx[(c * input.height + iy) * input.width + ix] += col[row * pixels + oy * output.width + ox]
                        }
                    }
                }
            }
        }
    }

    /// y[N, K, H2, W2] from x[N, C, H, W], weight [K, C/G, F, F] and bias [K] (empty: none).
    public func forward(x: [Float], weight: [Float], bias: [Float], batch: Int) -> [Float] {
        var y = [Float](repeating: 0, count: batch * output.count)
        var col = [Float](repeating: 0, count: input.channels * config.size * config.size * pixels)
        let k = filtersPerGroup, d = depth, p = pixels
        x.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { y in
                    col.withUnsafeMutableBufferPointer { col in
                        for b in 0..<batch {
                            unfold(x.baseAddress! + b * input.count, into: col.baseAddress!)
                            for g in 0..<config.groups {
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(k), Int32(p), Int32(d), 1,
                                            w.baseAddress! + g * k * d, Int32(d), col.baseAddress! + g * d * p, Int32(p), 0,
                                            y.baseAddress! + b * output.count + g * k * p, Int32(p))
                            }
                            if !bias.isEmpty {
                                for f in 0..<config.filters {
                                    for i in 0..<p { y[b * output.count + f * p + i] += bias[f] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Gradients of a loss with output gradient dy: (dx, dweight, dbias), each overwritten.
    public func backward(x: [Float], weight: [Float], dy: [Float], batch: Int) -> (dx: [Float], dweight: [Float], dbias: [Float]) {
        var dx = [Float](repeating: 0, count: batch * input.count)
        var dw = [Float](repeating: 0, count: weight.count)
        var db = [Float](repeating: 0, count: config.filters)
        var col = [Float](repeating: 0, count: input.channels * config.size * config.size * pixels)
        let k = filtersPerGroup, d = depth, p = pixels
        for b in 0..<batch {
            for f in 0..<config.filters {
                for i in 0..<p { db[f] += dy[b * output.count + f * p + i] }
            }
        }
        x.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                dy.withUnsafeBufferPointer { dy in
                    col.withUnsafeMutableBufferPointer { col in
                        dw.withUnsafeMutableBufferPointer { dw in
                            dx.withUnsafeMutableBufferPointer { dx in
                                for b in 0..<batch {
                                    let dyImage = dy.baseAddress! + b * output.count
                                    unfold(x.baseAddress! + b * input.count, into: col.baseAddress!)
                                    for g in 0..<config.groups {
                                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(k), Int32(d), Int32(p), 1,
                                                    dyImage + g * k * p, Int32(p), col.baseAddress! + g * d * p, Int32(p), 1,
                                                    dw.baseAddress! + g * k * d, Int32(d))
                                    }
                                    for g in 0..<config.groups {
                                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(p), Int32(k), 1,
                                                    w.baseAddress! + g * k * d, Int32(d), dyImage + g * k * p, Int32(p), 0,
                                                    col.baseAddress! + g * d * p, Int32(p))
                                    }
                                    fold(col.baseAddress!, into: dx.baseAddress! + b * input.count)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }
}
