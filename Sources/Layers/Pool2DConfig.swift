/// Window, stride, padding and output-size rounding of a 2-D pooling layer (square windows).
public struct Pool2DConfig: Hashable, Codable, Sendable {
    public var size: Int
    public var stride: Int
    public var padding: Int
    public var rounding: Rounding

    public init(size: Int, stride: Int, padding: Int = 0, rounding: Rounding = .exact) {
        self.size = size
        self.stride = stride
        self.padding = padding
        self.rounding = rounding
    }

    /// The output shape for `input`, or a `ShapeError` naming `layer` and the numbers.
    ///
    /// Padding may be at most half the window (as in PyTorch), so that every window holds at
    /// least one input pixel.
    public func outputShape(layer: String, input: Shape) throws -> Shape {
        guard padding <= size / 2 else {
            throw ShapeError(layer: layer, message: "padding \(padding) is more than half the window \(size); "
                             + "use padding \(size / 2) or less")
        }
        let height = try OutputSize.compute(layer: layer, axis: "height", input: input.height, window: size, stride: stride,
                                            padding: padding, rounding: rounding)
        let width = try OutputSize.compute(layer: layer, axis: "width", input: input.width, window: size, stride: stride,
                                           padding: padding, rounding: rounding)
        return Shape(channels: input.channels, height: height, width: width)
    }
}

