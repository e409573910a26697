import OpenCLRuntime

/// Softmax followed by cross-entropy, with PyTorch's label smoothing: the target is
/// (1 - labelSmoothing) * onehot + labelSmoothing / classes. Numerically stable (the row's
/// maximum is subtracted before exponentiating).
public final class SoftmaxCrossEntropy: KernelLoss, Loss {
    public var kernelVariant: KernelVariant { KernelVariant(family: "loss", name: "softmax-cross-entropy") }

    public let labelSmoothing: Float

    public init(context: ComputeContext, classes: Int, labelSmoothing: Float = 0) throws {
        guard classes >= 1, labelSmoothing >= 0, labelSmoothing <= 1 else {
            throw ShapeError(layer: "softmax cross-entropy",
                             message: "needs at least 1 class (got \(classes)) and label smoothing in 0...1 (got \(labelSmoothing))")
        }
        self.labelSmoothing = labelSmoothing
        try super.init(context: context, kernelName: "softmax_cross_entropy", classes: classes, hyperparameter: labelSmoothing)
    }

    public func reference(scores: [Float], labels: [Int32]) -> LossReference.Result {
        LossReference.softmaxCrossEntropy(scores: scores, labels: labels, classes: classes, labelSmoothing: labelSmoothing)
    }
}
