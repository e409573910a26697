import DataPipeline
import Foundation
import Layers
import OpenCLRuntime
import PipelineConfig

/// Everything a run is made of, built from a pipeline file: the device, the network, the loss,
/// the optimizer, the batch size and learning rate, the data, and the run's folder.
public final class TrainingSetup {
    public let config: PipelineConfig
    public let context: ComputeContext
    public let network: Network
    public let loss: Loss
    public let optimizer: MomentumSGD
    public let data: TrainingData
    public let batchChoice: BatchChoice
    public let slots: InputSlotRing
    public let runFolder: URL
    public let seed: UInt64
    private let schedule: LearningRateSchedule

    public var batch: Int { batchChoice.batch }
    /// The base learning rate after linear scaling to the batch (see `BatchChoice`).
    public var learningRate: Double { batchChoice.learningRate }
    public var trainBatchesPerEpoch: Int { data.trainCount / batch }
    public var hasValidation: Bool { data.validationCount > 0 }

    /// - Parameters:
    ///   - memoryLimit: plan as if the device had this many bytes (`--memory-limit`).
    ///   - batchFromCheckpoint: a resumed run keeps the batch it was trained with.
    public init(config: PipelineConfig, deviceSelector: String? = nil, memoryLimit: Int? = nil,
                batchFromCheckpoint: Int? = nil, context existing: ComputeContext? = nil) throws {
        self.config = config
        context = try existing ?? ComputeContext(selector: deviceSelector ?? config.device)
        seed = UInt64(config.train.seed)
        data = try TrainingData(config: config)
        network = try NetworkBuilder.build(config: config, context: context)
        batchChoice = try BatchChoice.choose(config: config, network: network, device: context.device,
                                             memoryLimit: memoryLimit, trainCount: data.trainCount, fixed: batchFromCheckpoint)
        try network.reserve(batch: batchChoice.batch)
        slots = try InputSlotRing(context: context, batch: batchChoice.batch, inputShape: network.inputShape,
                                  count: MemoryPlan.inputSlots(prefetch: config.data.prefetch))
        loss = try LossBuilder.build(config: config, context: context, classes: network.outputShape.count)
        optimizer = try MomentumSGD(context: context, network: network, settings: config.optimizer)
        schedule = LearningRateSchedule(settings: config.schedule, baseLR: batchChoice.learningRate,
                                        totalEpochs: Double(config.train.epochs))
        runFolder = URL(fileURLWithPath: config.checkpoint.folder).appendingPathComponent(config.name)
        guard data.trainCount >= batch else {
            throw TrainingError.invalidSetting("the training split has \(data.trainCount) images, fewer than one batch of \(batch); "
                                               + "lower train.batch")
        }
    }

    /// The learning rate of the schedule at a global step (fractional epochs).
    public func learningRate(atStep step: Int) -> Double {
        schedule.learningRate(atEpoch: Double(step) / Double(max(trainBatchesPerEpoch, 1)))
    }

    /// Per-step state of layers that need it: dropout masks come from (seed, step).
    public func prepareStep(_ step: Int) throws {
        for layer in network.layers { layer.prepare(step: step, seed: seed) }
    }

    /// Enqueues one training step (forward, loss, backward, update) without waiting for it.
    /// `losses` and `correct` receive per-sample values the caller may read afterwards.
    public func enqueueStep(images: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, count: Int, step: Int,
                            losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws {
        try prepareStep(step)
        try network.zeroGradients()
        let scores = try network.forward(images, batch: count, mode: .training)
        try loss.forwardBackward(scores: scores, labels: labels, batch: count, scoreGradient: network.scoreGradient,
                                 losses: losses, correct: correct)
        try network.backward(images, batch: count)
        try optimizer.step(learningRate: learningRate(atStep: step))
    }

    /// One line for the user: the batch, where it came from, and the learning rate used.
    public var batchSummary: String { batchChoice.summary }
}
