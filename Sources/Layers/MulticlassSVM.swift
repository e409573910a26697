import OpenCLRuntime

/// The multiclass hinge loss of CS231n: sum over j != y of max(0, s_j - s_y + margin).
/// A margin of exactly zero counts as inactive in the gradient.
public final class MulticlassSVM: Loss {
    public let classes: Int
    public let margin: Float
    private let launcher: LossKernelLauncher

    public init(context: ComputeContext, classes: Int, margin: Float = 1) throws {
        guard classes >= 1 else {
            throw ShapeError(layer: "multiclass SVM", message: "needs at least 1 class, got \(classes)")
        }
        self.classes = classes
        self.margin = margin
        launcher = try LossKernelLauncher(context: context, kernelName: "multiclass_svm", classes: classes)
    }

    public func forwardBackward(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int,
                                scoreGradient: DeviceBuffer<Float>, losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws {
        try launcher.launch(scores: scores, labels: labels, batch: batch, gradient: scoreGradient, losses: losses,
                            correct: correct, hyperparameter: margin)
    }

    public func evaluate(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int,
                         losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws {
        try launcher.launch(scores: scores, labels: labels, batch: batch, gradient: nil, losses: losses,
                            correct: correct, hyperparameter: margin)
    }
}
