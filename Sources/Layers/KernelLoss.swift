import OpenCLRuntime

/// What the losses of `Kernels/loss.cl` share: their kernels take the same arguments but the
/// last hyper-parameter, so `SoftmaxCrossEntropy` and `MulticlassSVM` only name their kernel,
/// their hyper-parameter and their CPU reference.
public class KernelLoss {
    /// Work-items per sample (the kernels' LOSS_GROUP); a power of two.
    static let group = 32

    public let classes: Int
    private let context: ComputeContext
    private let kernel: Kernel
    private let hyperparameter: Float

    init(context: ComputeContext, kernelName: String, classes: Int, hyperparameter: Float) throws {
        precondition(classes >= 1, "a loss needs at least one class")
        self.context = context
        self.classes = classes
        self.hyperparameter = hyperparameter
        kernel = try LayerPrograms.program("loss.cl", context: context, defines: ["LOSS_GROUP": "\(Self.group)"])
            .kernel(kernelName)
    }

    public func forwardBackward(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int,
                                scoreGradient: DeviceBuffer<Float>, losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws {
        try launch(scores: scores, labels: labels, batch: batch, gradient: scoreGradient, losses: losses, correct: correct)
    }

    public func evaluate(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int,
                         losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws {
        try launch(scores: scores, labels: labels, batch: batch, gradient: nil, losses: losses, correct: correct)
    }

    private func launch(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int, gradient: DeviceBuffer<Float>?,
                        losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws {
        guard batch > 0 else { return }
        precondition(scores.count >= batch * classes && labels.count >= batch && losses.count >= batch
                     && correct.count >= batch && (gradient?.count ?? .max) >= batch * classes,
                     "loss buffers are smaller than batch \(batch) x \(classes) classes")
        try kernel.setArgs(scores, labels, gradient ?? losses, losses, correct, classes, 1 / Float(batch), hyperparameter,
                           gradient == nil ? 0 : 1)
        try context.launch(kernel, global: [batch * Self.group], local: [Self.group])
    }
}
