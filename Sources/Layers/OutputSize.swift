/// How a layer turns a window size that does not tile its input into an output size.
public enum Rounding: String, Codable, CaseIterable, Sendable {
    /// (W - F + 2P) / S must be an integer; anything else is an error.
    case exact
    case floor
    case ceil
}

/// A layer whose window, stride and padding do not fit its input.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    public let layer: String
    public let message: String
    public var description: String { "layer '\(layer)': \(message)" }
}

/// Output size along one axis: (W - F_eff + 2P) / S + 1 with F_eff = d(F - 1) + 1 (CS231n).
public enum OutputSize {
    public static func compute(layer: String, axis: String = "width", input: Int, window: Int, stride: Int,
                               padding: Int, dilation: Int = 1, rounding: Rounding = .exact) throws -> Int {
        guard window >= 1, stride >= 1, padding >= 0, dilation >= 1 else {
            throw ShapeError(layer: layer, message: "window \(window), stride \(stride), padding \(padding) and dilation \(dilation) "
                             + "must be positive (padding may be 0)")
        }
        let effective = dilation * (window - 1) + 1
        let span = input - effective + 2 * padding
        let formula = "(W - F + 2P)/S + 1 = (\(input) - \(effective) + 2*\(padding))/\(stride) + 1"
        guard span >= 0 else {
            throw ShapeError(layer: layer, message: "the window (\(effective) with dilation) is larger than the padded input along \(axis): "
                             + "\(formula) is below 1; use a smaller window or more padding")
        }
        switch rounding {
        case .exact:
            guard span % stride == 0 else {
                throw ShapeError(layer: layer, message: "output \(axis) \(formula) = \(Double(span) / Double(stride) + 1) is not an integer; "
                                 + "change the stride or padding, or set `rounding: floor` or `rounding: ceil` on the layer")
            }
            return span / stride + 1
        case .floor:
            return span / stride + 1
        case .ceil:
            var size = (span + stride - 1) / stride + 1
            // As in PyTorch: the last window must start inside the input or its left padding.
            if (size - 1) * stride >= input + padding { size -= 1 }
            return size
        }
    }
}
