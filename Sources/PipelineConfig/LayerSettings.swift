// The settings of the layer kinds whose runtime type takes loose values rather than a config
// struct; conv, pooling and fc decode straight into `Conv2DConfig`, `Pool2DConfig` and
// `FullyConnectedConfig` of the Layers target.

public struct BatchNormSettings: Equatable, Sendable {
    /// Weight of the new batch in the running statistics (PyTorch convention).
    public var momentum: Double = 0.1
    public var epsilon: Double = 1e-5
    /// Learnable scale and shift.
    public var affine: Bool = true
    /// False: the scale stays 1 and only the shift is learned (airbench).
    public var scale: Bool = true

    public init() {}
}

public struct DropoutSettings: Equatable, Sendable {
    /// Probability of zeroing an activation, in [0, 1).
    public var p: Double = 0.5

    public init() {}
}

/// How a conv or fc layer's weights start, the `init` key of a layer.
public enum WeightInitialization: String, CaseIterable, Sendable {
    /// He (Kaiming) normal, std sqrt(2 / fan_in): the default before ReLU or GELU.
    case he
    /// Xavier (Glorot) uniform: the default elsewhere.
    case xavier
    /// Identity (Dirac) on the first min(filters, channels) filters, PyTorch's default uniform
    /// +-1/sqrt(fan_in) on the rest, as airbench initialises its convolutions: each block starts
    /// close to passing its input through.
    case dirac
}
