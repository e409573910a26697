import OpenCLRuntime

/// Softmax followed by cross-entropy, with PyTorch's label smoothing: the target is
/// (1 - labelSmoothing) * onehot + labelSmoothing / classes. Numerically stable (the row's
/// maximum is subtracted before exponentiating).
public final class SoftmaxCrossEntropy: Loss {
    public let classes: Int
    public let labelSmoothing: Float
    private let launcher: LossKernelLauncher

    public init(context: ComputeContext, classes: Int, labelSmoothing: Float = 0) throws {
        guard classes >= 1, labelSmoothing >= 0, labelSmoothing <= 1 else {
            throw ShapeError(layer: "softmax cross-entropy",
                             message: "needs at least 1 class (got \(classes)) and label smoothing in 0...1 (got \(labelSmoothing))")
        }
        self.classes = classes
        self.labelSmoothing = labelSmoothing
        launcher = try LossKernelLauncher(context: context, kernelName: "softmax_cross_entropy", classes: classes)
    }

    public func forwardBackward(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int,
                                scoreGradient: DeviceBuffer<Float>, losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws {
        try launcher.launch(scores: scores, labels: labels, batch: batch, gradient: scoreGradient, losses: losses,
                            correct: correct, hyperparameter: labelSmoothing)
    }

    public func evaluate(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int,
                         losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws {
        try launcher.launch(scores: scores, labels: labels, batch: batch, gradient: nil, losses: losses,
                            correct: correct, hyperparameter: labelSmoothing)
    }
}
