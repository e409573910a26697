// The settings of the layer kinds that have any, one small value type each.

public struct ConvSettings: Equatable, Sendable {
    public var filters: Int
    /// Kernel side F.
    public var size: Int
    public var stride: Int = 1
    public var padding: Int = 0
    public var dilation: Int = 1
    /// Channel groups; input channels and `filters` must both divide by it.
    public var groups: Int = 1
    public var bias: Bool = true
    public var rounding: OutputRounding = .exact

    public init(filters: Int, size: Int) {
        self.filters = filters
        self.size = size
    }
}

public struct PoolSettings: Equatable, Sendable {
    public var size: Int = 2
    /// Defaults to `size` (non-overlapping windows).
    public var stride: Int = 2
    public var padding: Int = 0
    public var rounding: OutputRounding = .exact

    public init() {}
}

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

public struct FullyConnectedSettings: Equatable, Sendable {
    public var outputs: Int
    public var bias: Bool = true

    public init(outputs: Int) {
        self.outputs = outputs
    }
}
