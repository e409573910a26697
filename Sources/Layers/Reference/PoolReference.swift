/// CPU references for the pooling layers on NCHW [Float] batches (loops written for clarity;
/// backward scatters from each output, unlike the kernels' per-pixel gather).
public enum PoolReference {
    /// y (N, C, OH, OW) and the arg-max index (h * W + w within its plane, first in row-major order on ties).
    public static func maxForward(_ x: [Float], batch: Int, input: Shape, output: Shape, config: Pool2DConfig) -> (y: [Float], argmax: [Int32]) {
        var y = [Float](repeating: 0, count: batch * output.count)
        var argmax = [Int32](repeating: -1, count: y.count)
        for plane in 0..<(batch * input.channels) {
            for oh in 0..<output.height {
                for ow in 0..<output.width {
                    var best = -Float.infinity, winner = -1
                    for h in (oh * config.stride - config.padding)..<(oh * config.stride - config.padding + config.size) {
                        for w in (ow * config.stride - config.padding)..<(ow * config.stride - config.padding + config.size) {
                            guard h >= 0, h < input.height, w >= 0, w < input.width else { continue }
                            let value = x[plane * input.height * input.width + h * input.width + w]
                            if winner < 0 || value > best { best = value; winner = h * input.width + w }
                        }
                    }
                    let o = (plane * output.height + oh) * output.width + ow
                    y[o] = best
                    argmax[o] = Int32(winner)
                }
            }
        }
        return (y, argmax)
    }

    public static func maxBackward(_ dy: [Float], argmax: [Int32], batch: Int, input: Shape, output: Shape) -> [Float] {
        var dx = [Float](repeating: 0, count: batch * input.count)
        let planeOut = output.height * output.width, planeIn = input.height * input.width
        for o in dy.indices where argmax[o] >= 0 {
            dx[(o / planeOut) * planeIn + Int(argmax[o])] += dy[o]
        }
        return dx
    }

    /// Cells of an average window inside the padded input (count_include_pad = true, as PyTorch).
    static func divisor(_ o: Int, _ inputSize: Int, _ config: Pool2DConfig) -> Int {
        let start = o * config.stride - config.padding
        return min(start + config.size, inputSize + config.padding) - start
    }

    public static func avgForward(_ x: [Float], batch: Int, input: Shape, output: Shape, config: Pool2DConfig) -> [Float] {
        var y = [Float](repeating: 0, count: batch * output.count)
        for plane in 0..<(batch * input.channels) {
            for oh in 0..<output.height {
                for ow in 0..<output.width {
                    var sum = 0.0
                    for h in (oh * config.stride - config.padding)..<(oh * config.stride - config.padding + config.size) {
                        for w in (ow * config.stride - config.padding)..<(ow * config.stride - config.padding + config.size) {
                            guard h >= 0, h < input.height, w >= 0, w < input.width else { continue }
                            sum += Double(x[plane * input.height * input.width + h * input.width + w])
                        }
                    }
                    let count = divisor(oh, input.height, config) * divisor(ow, input.width, config)
                    y[(plane * output.height + oh) * output.width + ow] = Float(sum / Double(count))
                }
            }
        }
        return y
    }

    public static func avgBackward(_ dy: [Float], batch: Int, input: Shape, output: Shape, config: Pool2DConfig) -> [Float] {
        var dx = [Float](repeating: 0, count: batch * input.count)
        for plane in 0..<(batch * input.channels) {
            for oh in 0..<output.height {
                for ow in 0..<output.width {
                    let count = divisor(oh, input.height, config) * divisor(ow, input.width, config)
                    let share = dy[(plane * output.height + oh) * output.width + ow] / Float(count)
                    for h in (oh * config.stride - config.padding)..<(oh * config.stride - config.padding + config.size) {
                        for w in (ow * config.stride - config.padding)..<(ow * config.stride - config.padding + config.size) {
                            guard h >= 0, h < input.height, w >= 0, w < input.width else { continue }
                            dx[plane * input.height * input.width + h * input.width + w] += share
                        }
                    }
                }
            }
        }
        return dx
    }

    /// y (N, C) = the mean of each plane.
    public static func globalAvgForward(_ x: [Float], batch: Int, input: Shape) -> [Float] {
        let plane = input.height * input.width
        return (0..<(batch * input.channels)).map { p in
            Float(x[(p * plane)..<((p + 1) * plane)].reduce(0.0) { $0 + Double($1) } / Double(plane))
        }
    }

    public static func globalAvgBackward(_ dy: [Float], batch: Int, input: Shape) -> [Float] {
        let plane = input.height * input.width
        return (0..<(batch * input.count)).map { dy[$0 / plane] / Float(plane) }
    }
}
