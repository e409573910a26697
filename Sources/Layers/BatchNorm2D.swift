import OpenCLRuntime

/// Batch normalisation over channels, with PyTorch's `BatchNorm2d` semantics.
///
/// Training normalises with the batch mean and biased variance and blends the batch mean and
/// unbiased variance into the running statistics: running = (1 - momentum) * running +
/// momentum * batch. Evaluation normalises with the running statistics. Parameters "weight"
/// (gamma, initialised to 1) and "bias" (beta, 0) exist when `affine`; state "running_mean" (0)
/// and "running_var" (1), all of shape [C]. Scratch: 4 x C floats (mean, 1/std and the two
/// backward sums), whatever the batch.
///
/// Backward follows the mode of the last forward pass: through the batch statistics after a
/// training forward, through the fixed running statistics after an evaluation one.
public final class BatchNorm2D: Layer {
    /// Work-items per channel in the reductions (the kernels' BN_GROUP) in the per-element
    /// style; a power of two. The per-plane style uses one.
    public static let reductionGroup = 256

    public let name: String
    public let inputShape: Shape
    public var outputShape: Shape { inputShape }
    public let momentum: Float
    public let epsilon: Float
    public let affine: Bool
    /// False: gamma stays 1 (a frozen parameter) and only beta is learned (airbench's batch norm).
    public let learnsScale: Bool
    public let style: KernelStyle
    public let parameters: [Parameter]
    public let state: [StateTensor]

    public var weight: Parameter? { affine ? parameters[0] : nil }
    public var bias: Parameter? { affine ? parameters[1] : nil }
    public let runningMean: DeviceBuffer<Float>
    public let runningVar: DeviceBuffer<Float>

    private let context: ComputeContext
    private let statisticsKernel: Kernel
    private let runningKernel: Kernel
    private let applyKernel: Kernel
    private let reduceKernel: Kernel
    private let backwardKernel: Kernel
    /// [4, C]: mean, 1/sqrt(var + eps), sum(dy), sum(dy * xhat).
    private var saved: DeviceBuffer<Float>?
    /// Set in data-parallel runs with `sync_batchnorm`: training statistics (and the backward
    /// sums) are those of the global batch, added over the processes; nil: this process's batch.
    public var crossProcessSum: CrossProcessSum?
    private let channelSumsKernel: Kernel
    /// [C]: one process's share of a channel sum (synchronised batch norm).
    private var channelSums: DeviceBuffer<Float>?
    private var lastMode = Mode.training

    /// `style` nil picks `KernelStyle.preferred` for the device.
    public init(context: ComputeContext, name: String, input: Shape, momentum: Float = 0.1, epsilon: Float = 1e-5,
                affine: Bool = true, learnsScale: Bool = true, style: KernelStyle? = nil) throws {
        guard input.count > 0 else { throw ShapeError(layer: name, message: "input \(input) is empty") }
        guard momentum >= 0, momentum <= 1, epsilon > 0 else {
            throw ShapeError(layer: name, message: "momentum \(momentum) must lie in 0...1 and epsilon \(epsilon) be positive")
        }
        self.context = context
        self.name = name
        self.inputShape = input
        self.momentum = momentum
        self.epsilon = epsilon
        guard affine || learnsScale else {
            throw ShapeError(layer: name, message: "scale: false needs affine: true (without affine there is no scale to freeze); "
                             + "remove one of them")
        }
        self.affine = affine
        self.learnsScale = learnsScale
        let channels = input.channels
        if affine {
            let gamma = try Parameter(context: context, layer: name, name: "weight", shape: [channels], kind: .normScale,
                                      fanIn: 1, fanOut: 1, trainable: learnsScale)
            try gamma.value.fill(1)
            let beta = try Parameter(context: context, layer: name, name: "bias", shape: [channels], kind: .normShift,
                                     fanIn: 1, fanOut: 1)
            parameters = [gamma, beta]
        } else {
            parameters = []
        }
        runningMean = try context.buffer(Float.self, count: channels, label: "\(name).running_mean")
        runningVar = try context.buffer(Float.self, count: channels, label: "\(name).running_var")
        try runningMean.fill(0)
        try runningVar.fill(1)
        state = [StateTensor(name: "running_mean", shape: [channels], buffer: runningMean),
                 StateTensor(name: "running_var", shape: [channels], buffer: runningVar)]
        let style = style ?? .preferred(for: context.device)
        self.style = style
        let planes = style == .perPlane
        let program = try LayerPrograms.program("batchnorm.cl", context: context,
                                                defines: ["BN_GROUP": "\(planes ? 1 : Self.reductionGroup)", "BN_AFFINE": affine ? "1" : "0"])
        statisticsKernel = try program.kernel("bn_statistics")
        runningKernel = try program.kernel("bn_running_statistics")
        applyKernel = try program.kernel(planes ? "bn_forward_apply_planes" : "bn_forward_apply")
        reduceKernel = try program.kernel("bn_backward_reduce")
        channelSumsKernel = try program.kernel("bn_channel_sums")
        backwardKernel = try program.kernel(planes ? "bn_backward_apply_planes" : "bn_backward_apply")
    }

    /// The same [4, C] whatever the batch.
    public func scratchRequests(batch: Int) -> [BufferRequest] {
        [BufferRequest(Float.self, count: 4 * inputShape.channels, label: "\(name).saved")]
    }

    public func reserve(batch: Int) throws {
        if saved == nil { saved = try context.buffer(Float.self, for: scratchRequests(batch: batch)[0]) }
    }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        guard let saved else { throw ShapeError(layer: name, message: "call reserve(batch:) before forward") }
        let channels = inputShape.channels, plane = inputShape.height * inputShape.width
        switch mode {
        case .training:
            guard batch * plane > 1 else {
                throw ShapeError(layer: name, message: "training needs more than one value per channel, got batch \(batch) "
                                 + "of \(inputShape); use a larger batch")
            }
            if let crossProcessSum {
                try synchronisedStatistics(input, saved: saved, batch: batch, sum: crossProcessSum)
                break
            }
            let group = reductionGroup
            try statisticsKernel.setArgs(input, saved, runningMean, runningVar, batch, channels, plane, momentum, epsilon,
                                         LocalMemory(bytes: group * MemoryLayout<Float>.stride))
            try context.launch(statisticsKernel, global: [channels * group], local: [group])
        case .evaluation:
            try runningKernel.setArgs(saved, runningMean, runningVar, channels, epsilon)
            try LayerPrograms.launchElementwise(runningKernel, count: channels, context: context)
        }
        lastMode = mode
        let items = applyItems(batch: batch)
        try applyKernel.setArgs(input, output, saved, weight?.value ?? saved, bias?.value ?? saved, items, channels, plane)
        try LayerPrograms.launch(applyKernel, items: items, style: style, context: context)
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        guard let saved else { throw ShapeError(layer: name, message: "call reserve(batch:) before backward") }
        let channels = inputShape.channels, plane = inputShape.height * inputShape.width
        let group = reductionGroup
        try reduceKernel.setArgs(input, outputGradient, saved, weight?.gradient ?? saved, bias?.gradient ?? saved,
                                 batch, channels, plane, LocalMemory(bytes: group * MemoryLayout<Float>.stride))
        try context.launch(reduceKernel, global: [channels * group], local: [group])
        guard let inputGradient else { return }
        if lastMode == .training, let crossProcessSum {
            // dx needs sum(dy) and sum(dy * xhat) over the global batch, divided by its count m;
            // the apply kernels divide by the local count, so the global sums are scaled by local/global.
            let local = Float(batch * plane)
            var sums = try saved.read(offset: 2 * channels, count: 2 * channels) + [local]
            try crossProcessSum.sum(&sums)
            let scale = local / sums[2 * channels]
            try saved.write(sums[0..<(2 * channels)].map { $0 * scale }, offset: 2 * channels)
        }
        let items = applyItems(batch: batch)
        try backwardKernel.setArgs(input, outputGradient, inputGradient, saved, weight?.value ?? saved, items, channels,
                                   plane, lastMode == .training ? 1 : 0)
        try LayerPrograms.launch(backwardKernel, items: items, style: style, context: context)
    }

    private var reductionGroup: Int { style == .perPlane ? 1 : Self.reductionGroup }

    /// Mean and variance of the global batch, two passes as `bn_statistics` (a centred second
    /// pass), each process's channel sums added by `sum`; running statistics blended on the host
    /// from the same sums, so they stay identical on every process.
    private func synchronisedStatistics(_ input: DeviceBuffer<Float>, saved: DeviceBuffer<Float>, batch: Int,
                                        sum: CrossProcessSum) throws {
        let channels = inputShape.channels, plane = inputShape.height * inputShape.width
        let sums = try channelSums ?? context.buffer(Float.self, count: channels, label: "\(name).channel_sums")
        channelSums = sums
        let group = reductionGroup
        func shares(centred: Bool) throws -> [Float] {
            try channelSumsKernel.setArgs(input, saved, sums, batch, channels, plane, centred ? 1 : 0,
                                          LocalMemory(bytes: group * MemoryLayout<Float>.stride))
            try context.launch(channelSumsKernel, global: [channels * group], local: [group])
            return try sums.read(count: channels)
        }
        var totals = try shares(centred: false) + [Float(batch * plane)]
        try sum.sum(&totals)
        let count = totals[channels]
        let mean = totals[0..<channels].map { $0 / count }
        try saved.write(mean)
        var squares = try shares(centred: true)
        try sum.sum(&squares)
        let variance = squares.map { $0 / count }
        try saved.write(variance.map { 1 / ($0 + epsilon).squareRoot() }, offset: channels)
        var runningMean = try self.runningMean.read(), runningVar = try self.runningVar.read()
        for c in 0..<channels {
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c]
            runningVar[c] = (1 - momentum) * runningVar[c] + momentum * (variance[c] * count / (count - 1))
        }
        try self.runningMean.write(runningMean)
        try self.runningVar.write(runningVar)
    }

    /// Work-items of the apply kernels: one per (n, c) plane, or one per value.
    private func applyItems(batch: Int) -> Int {
        style == .perPlane ? batch * inputShape.channels : batch * inputShape.count
    }

    public var kernelVariant: KernelVariant { KernelVariant(family: "batchnorm", name: style.rawValue) }

    /// Subtract, multiply, multiply-add per value.
    public var forwardFLOPsPerImage: Int { inputShape.count * 4 }

    /// Training normalises with the batch's statistics; evaluation with the running statistics
    /// as they are on the device now (the reference does not update them).
    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        try checkReference(input: input, batch: batch, parameters: parameters)
        let mean: [Float], invstd: [Float]
        switch mode {
        case .training:
            let statistics = BatchNormReference.statistics(input, batch: batch, shape: inputShape, epsilon: epsilon)
            (mean, invstd) = (statistics.mean, statistics.invstd)
        case .evaluation:
            mean = try runningMean.read()
            invstd = BatchNormReference.invstd(variance: try runningVar.read(), epsilon: epsilon)
        }
        let output = BatchNormReference.normalise(input, batch: batch, shape: inputShape, mean: mean, invstd: invstd,
                                                  gamma: affine ? parameters[0] : nil, beta: affine ? parameters[1] : nil)
        return ReferencePass(input: input, output: output, batch: batch,
                             saved: .statistics(mean: mean, invstd: invstd, training: mode == .training))
    }

    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        try checkReference(pass, outputGradient: outputGradient, parameters: parameters)
        guard case let .statistics(mean, invstd, training) = pass.saved else { throw foreignReferencePass() }
        let result = BatchNormReference.backward(pass.input, outputGradient: outputGradient, batch: pass.batch, shape: inputShape,
                                                 gamma: affine ? parameters[0] : nil, mean: mean, invstd: invstd, training: training)
        return (result.dx, affine ? [result.dgamma, result.dbeta] : [])
    }
}
