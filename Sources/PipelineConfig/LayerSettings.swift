// The settings of the layer kinds whose runtime type takes loose values rather than a config
// struct; conv, pooling and fc decode straight into `Conv2DConfig`, `Pool2DConfig` and
// `FullyConnectedConfig` of the Layers target.

public struct BatchNormSettings: Equatable, Sendable {
    /// Weight of the new batch in the running statistics (PyTorch convention).
    public var momentum: Double = 0.1
    public var epsilon: Double = 1e-5
    /// Learnable scale and shift.
    public var affine: Bool = true

    public init() {}
}

public struct DropoutSettings: Equatable, Sendable {
    /// Probability of zeroing an activation, in [0, 1).
    public var p: Double = 0.5

    public init() {}
}
