/// SGD with momentum: the `optimizer` section.
public struct OptimizerSettings: Equatable, Sendable {
    /// Base learning rate; the schedule multiplies it.
    public var lr: Double = 0.01
    public var momentum: Double = 0.9
    public var nesterov: Bool = false
    public var weightDecay: Double = 0
    public var decay: WeightDecayKind = .l2
    public var lrMultipliers: LearningRateMultipliers = .init()
    /// Whether weight decay also applies to biases and normalisation parameters.
    public var decayBiases: Bool = false

    public init() {}
}

public enum WeightDecayKind: String, CaseIterable, Sendable {
    /// Added to the gradient: g += wd * w.
    case l2
    /// Applied to the weights apart from the gradient: w -= lr * wd * w.
    case decoupled
}

/// Learning-rate multipliers per parameter kind (weights always use 1).
public struct LearningRateMultipliers: Equatable, Sendable {
    /// Conv and fc biases.
    public var bias: Double = 1
    /// Batch-norm scale and shift.
    public var norm: Double = 1

    public init() {}
}
