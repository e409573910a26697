import OpenCLRuntime

/// The multiclass hinge loss of CS231n: sum over j != y of max(0, s_j - s_y + margin).
/// A margin of exactly zero counts as inactive in the gradient.
public final class MulticlassSVM: KernelLoss, Loss {
    public var kernelVariant: KernelVariant { KernelVariant(family: "loss", name: "multiclass-svm") }

    public let margin: Float

    public init(context: ComputeContext, classes: Int, margin: Float = 1) throws {
        guard classes >= 1 else {
            throw ShapeError(layer: "multiclass SVM", message: "needs at least 1 class, got \(classes)")
        }
        self.margin = margin
        try super.init(context: context, kernelName: "multiclass_svm", classes: classes, hyperparameter: margin)
    }

    public func reference(scores: [Float], labels: [Int32]) -> LossReference.Result {
        LossReference.multiclassSVM(scores: scores, labels: labels, classes: classes, margin: margin)
    }
}
