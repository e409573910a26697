import Foundation

/// SGD with momentum: the `optimizer` section.
public struct OptimizerSettings: Equatable, Sendable {
    /// Base learning rate; the schedule multiplies it.
    public var lr: Double = 0.01
    public var momentum: Double = 0.9
    public var nesterov: Bool = false
    public var weightDecay: Double = 0
    public var decay: WeightDecayKind = .l2
    public var lrMultipliers: LearningRateMultipliers = .init()
    /// Weight-decay multipliers per parameter kind (airbench: the norm biases take 64x the
    /// learning rate and 1/64 the decay coefficient, so that their decay per step stays that of
    /// the weights).
    public var wdMultipliers: LearningRateMultipliers = .init()
    /// Lookahead averaging of the weights; nil: off.
    public var lookahead: LookaheadSettings?
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

/// Multipliers per parameter kind (weights always use 1), for the learning rate
/// (`lr_multipliers`) or the weight decay (`wd_multipliers`).
public struct LearningRateMultipliers: Equatable, Sendable {
    /// Conv and fc biases.
    public var bias: Double = 1
    /// Batch-norm scale and shift.
    public var norm: Double = 1

    public init() {}
}

/// Lookahead (Zhang et al. 2019) as airbench uses it: every `every` steps (and at the end of each
/// epoch) the average moves toward the weights, a = d a + (1 - d) w, and the weights jump to the
/// average, w = a, with d = decay x (step / total steps)^power: plain SGD early, heavy
/// averaging late. Batch-norm running statistics are averaged the same way.
public struct LookaheadSettings: Equatable, Sendable {
    public var every: Int = 5
    /// d at the last step, in (0, 1).
    public var decay: Double = 0.7737809375   // 0.95^5, airbench94
    public var power: Double = 3

    public init() {}

    /// d at global step `step` of `totalSteps`.
    public func decay(atStep step: Int, totalSteps: Int) -> Double {
        decay * pow(Double(step) / Double(max(totalSteps, 1)), power)
    }
}
