/// The `loss` section.
public struct LossSettings: Equatable, Sendable {
    public var type: LossType = .softmax
    /// Softmax only: weight moved from the true class to a uniform distribution, in [0, 1).
    public var labelSmoothing: Double = 0
    /// SVM only: the hinge margin.
    public var margin: Double = 1

    public init() {}
}

public enum LossType: String, CaseIterable, Sendable {
    /// Softmax cross-entropy.
    case softmax
    /// Multiclass hinge (Weston-Watkins) loss.
    case svm
}
