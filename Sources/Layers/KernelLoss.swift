import OpenCLRuntime

/// Launches one of `Kernels/loss.cl`'s kernels, which share their arguments but the last hyper-parameter.
struct LossKernelLauncher {
    /// Work-items per sample (the kernels' LOSS_GROUP); a power of two.
    static let group = 32

    let context: ComputeContext
    let kernel: Kernel
    let classes: Int

    init(context: ComputeContext, kernelName: String, classes: Int) throws {
        precondition(classes >= 1, "a loss needs at least one class")
        self.context = context
        self.classes = classes
        kernel = try LayerPrograms.program("loss.cl", context: context, defines: ["LOSS_GROUP": "\(Self.group)"])
            .kernel(kernelName)
    }

    func launch(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int, gradient: DeviceBuffer<Float>?,
                losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>, hyperparameter: Float) throws {
        guard batch > 0 else { return }
        precondition(scores.count >= batch * classes && labels.count >= batch && losses.count >= batch
                     && correct.count >= batch && (gradient?.count ?? .max) >= batch * classes,
                     "loss buffers are smaller than batch \(batch) x \(classes) classes")
        try kernel.setArgs(scores, labels, gradient ?? losses, losses, correct, classes, 1 / Float(batch), hyperparameter,
                           gradient == nil ? 0 : 1)
        try context.launch(kernel, global: [batch * Self.group], local: [Self.group])
    }
}
