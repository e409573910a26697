/// The CPU reference of `Whitening`: a P x P convolution, stride 1, with bias, whose windows
/// start at every output pixel and read zeros past the bottom and right edges (`same`).
/// Plain loops: the layer is tiny. The weight is frozen, so there is no weight gradient.
public struct WhiteningReference {
    public let input: Shape
    public let output: Shape
    public let size: Int

    public init(input: Shape, config: WhiteningConfig) throws {
        self.input = input
        self.output = try config.outputShape(layer: "whitening reference", input: input)
        self.size = config.size
    }

    /// y [N, K, out_h, out_w] from x [N, C, H, W], weight [K, C, P, P] and bias [K].
    public func forward(x: [Float], weight: [Float], bias: [Float], batch: Int) -> [Float] {
        let (c, h, w) = (input.channels, input.height, input.width)
        let (k, oh, ow) = (output.channels, output.height, output.width)
        var y = [Float](repeating: 0, count: batch * output.count)
        for n in 0..<batch {
            for filter in 0..<k {
                for row in 0..<oh {
                    for column in 0..<ow {
                        var sum = bias[filter]
                        for channel in 0..<c {
                            for i in 0..<size where row + i < h {
                                for j in 0..<size where column + j < w {
                                    sum += weight[((filter * c + channel) * size + i) * size + j]
                                        * x[((n * c + channel) * h + row + i) * w + column + j]
                                }
                            }
                        }
                        y[((n * k + filter) * oh + row) * ow + column] = sum
                    }
                }
            }
        }
        return y
    }

    /// (dx, dbias) for the output gradient dy, each overwritten: dx is the transposed
    /// correlation of dy with the filters, dbias the sum of dy over images and pixels.
    public func backward(weight: [Float], dy: [Float], batch: Int) -> (dx: [Float], dbias: [Float]) {
        let (c, h, w) = (input.channels, input.height, input.width)
        let (k, oh, ow) = (output.channels, output.height, output.width)
        var dx = [Float](repeating: 0, count: batch * input.count)
        var dbias = [Float](repeating: 0, count: k)
        for n in 0..<batch {
            for filter in 0..<k {
                for row in 0..<oh {
                    for column in 0..<ow {
                        let g = dy[((n * k + filter) * oh + row) * ow + column]
                        dbias[filter] += g
                        for channel in 0..<c {
                            for i in 0..<size where row + i < h {
                                for j in 0..<size where column + j < w {
                                    dx[((n * c + channel) * h + row + i) * w + column + j]
                                        += weight[((filter * c + channel) * size + i) * size + j] * g
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dbias)
    }
}
