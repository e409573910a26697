/// Settings of a patch-whitening layer (`Whitening`).
public struct WhiteningConfig: Hashable, Sendable {
    /// The patch side P: the filters are P x P, stride 1, no padding.
    public var size: Int
    /// Added to every eigenvalue before the square root: filter k is v_k / sqrt(lambda_k + epsilon).
    public var epsilon: Double
    /// False: output (H - P + 1) x (W - P + 1), every window inside the image (airbench).
    /// True: output H x W, windows past the bottom and right edges read zeros there.
    public var same: Bool

    public init(size: Int = 2, epsilon: Double = 5e-4, same: Bool = false) {
        self.size = size
        self.epsilon = epsilon
        self.same = same
    }

    /// Output channels for `channels` input channels: 2 C P P (the eigenvectors and their negatives).
    public func filters(channels: Int) -> Int { 2 * channels * size * size }

    /// The output shape for `input`; throws when the patch does not fit the image.
    public func outputShape(layer: String, input: Shape) throws -> Shape {
        guard size >= 1 else { throw ShapeError(layer: layer, message: "size is \(size); it must be at least 1") }
        guard size <= input.height, size <= input.width else {
            throw ShapeError(layer: layer, message: "the \(size)x\(size) patch does not fit the \(input.height)x\(input.width) input; "
                             + "size must be at most \(min(input.height, input.width))")
        }
        guard epsilon > 0, epsilon.isFinite else {
            throw ShapeError(layer: layer, message: "epsilon is \(epsilon); it must be a positive number")
        }
        return Shape(channels: filters(channels: input.channels),
                     height: same ? input.height : input.height - size + 1,
                     width: same ? input.width : input.width - size + 1)
    }
}
