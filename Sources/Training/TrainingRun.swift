import Checkpoints
import Distributed
import Foundation
import InputData
import Layers
import Model
import OpenCLRuntime
import Optimization
import PipelineConfig

/// A training run of a pipeline: the Model, the Data and the Optimization built from the
/// pipeline file (or resumed from a checkpoint), the batch that fits the device, the input
/// slots and step outputs, and the run's folder. Only `conveyor train` and `resume` need one;
/// every other command takes the pieces it uses.
public final class TrainingRun {
    public let config: PipelineConfig
    public let context: ComputeContext
    public let model: Model
    public let data: DataSplits
    public let optimizer: MomentumSGD
    /// The lookahead average of the weights, when the pipeline asks for one.
    public let lookahead: Lookahead?
    /// The batch asked for (checkpoint, pipeline or auto) and the ranks that share it.
    public let batchRequest: BatchRequest
    public let batchChoice: BatchChoice
    public let slots: InputSlotRing
    public let outputs: StepOutputs
    public let runFolder: URL
    public let seed: UInt64
    /// The checkpoint the run goes on from (its weights, momentum and position are loaded by
    /// `Trainer`), or nil for a new run.
    public let resumedFrom: Checkpoint?
    /// The ranks of a data-parallel run (`mpirun`); a single-process one otherwise.
    public let communicator: Communicator
    /// Data-parallel runs: gradients averaged over the ranks, rank 0's layer state copied to all.
    let averager: GradientAverager?
    let stateBroadcast: LayerStateBroadcast?

    /// The global batch: the pipeline's (or the chosen) batch, over all ranks.
    public var batch: Int { batchChoice.batch }
    /// The images one rank trains on per step: the global batch divided by the ranks.
    public let localBatch: Int
    public var network: Network { model.network }
    public var trainBatchesPerEpoch: Int { data.trainCount / batch }
    public var hasValidation: Bool { data.validationCount > 0 }
    public var step: TrainingStep {
        TrainingStep(model: model, optimizer: optimizer, seed: seed, averager: averager, stateBroadcast: stateBroadcast)
    }

    /// - Parameters:
    ///   - memoryLimit: plan as if the device had this many bytes (`--memory-limit`).
    ///   - resume: a checkpoint to go on from: its batch and its input normalisation are kept
    ///     (nothing measured from data is measured again).
    ///   - tuner: measured convolution choices (nil: the rules), measured at this run's per-rank batch.
    public init(config: PipelineConfig, deviceSelector: String? = nil, memoryLimit: Int? = nil, resume: Checkpoint? = nil,
                context existing: ComputeContext? = nil, communicator: Communicator = SingleProcessCommunicator(),
                tuner: ConvolutionTuner? = nil) throws {
        self.config = config
        self.communicator = communicator
        resumedFrom = resume
        context = try existing ?? ComputeContext(selector: deviceSelector ?? config.device)
        seed = UInt64(config.train.seed)
        data = try DataSplits(settings: config.data, augment: config.augment, seed: seed)
        if let resume, let trained = Model.storedContract(resume) {
            try TrainingRun.checkResumedData(trained: trained, data: data.contract)
        }
        batchRequest = try BatchRequest(setting: config.train.batch, checkpoint: resume, ranks: communicator.size)
        tuner?.batch = batchRequest.perRank
        let stored = resume?.normalization.map { ChannelStatistics(mean: $0.mean, std: $0.std) }
        model = try Model(config: config, context: context, normalization: stored ?? data.measureNormalization(),
                          contract: data.contract, tuner: tuner)
        batchChoice = try BatchChoice.choose(batchRequest, train: config.train, prefetch: config.data.prefetch, network: model.network,
                                             device: context.device, memoryLimit: memoryLimit, trainCount: data.trainCount,
                                             lookahead: config.optimizer.lookahead != nil)
        let batch = batchChoice.batch
        let ranks = communicator.size
        let local = try batchRequest.perRank(of: batch)
        localBatch = local
        data.shard = DataShard(rank: communicator.rank, ranks: ranks)
        try model.network.reserve(batch: local)
        slots = try InputSlotRing(context: context, batch: local, valuesPerImage: model.inputShape.count,
                                  count: InputSlotRing.slotCount(prefetch: config.data.prefetch))
        outputs = try StepOutputs(context: context, batch: local)
        if ranks > 1 {
            if config.train.syncBatchnorm {
                let sum = CommunicatorSum(communicator)
                for case let layer as BatchNorm2D in model.network.leafLayers { layer.crossProcessSum = sum }
            }
            averager = GradientAverager(network: model.network, communicator: communicator)
            let broadcast = LayerStateBroadcast(network: model.network, communicator: communicator)
            stateBroadcast = config.train.syncBatchnorm || broadcast.isEmpty ? nil : broadcast
        } else {
            averager = nil
            stateBroadcast = nil
        }
        let policy = LearningRatePolicy(optimizer: config.optimizer, schedule: config.schedule, epochs: config.train.epochs,
                                        batch: batch, referenceBatch: config.train.referenceBatch,
                                        stepsPerEpoch: data.trainCount / batch)
        optimizer = try MomentumSGD(context: context, parameters: model.network.parameters, settings: config.optimizer,
                                    policy: policy)
        if let settings = config.optimizer.lookahead {
            lookahead = try Lookahead(context: context, tensors: TrainingRun.averagedTensors(of: model.network), settings: settings,
                                      totalSteps: config.train.epochs * max(data.trainCount / batch, 1))
        } else {
            lookahead = nil
        }
        runFolder = RunFolder.url(for: config)
        guard data.trainCount >= batch else {
            throw TrainingError.invalidSetting("the training split (\(data.origin(of: .train))) has \(data.trainCount) images, "
                                               + "fewer than one batch of \(batch); lower train.batch or give more training data")
        }
    }

    /// Refuses to go on training with data whose classes (by name and order) or image size
    /// differ from those the checkpoint was trained on: its outputs would mean other classes.
    static func checkResumedData(trained: DataContract, data: DataContract) throws {
        if trained.classNames != data.classNames {
            let gone = trained.classNames.filter { !data.classNames.contains($0) }
            let new = data.classNames.filter { !trained.classNames.contains($0) }
            var detail: [String] = []
            if !gone.isEmpty { detail.append("missing now: \(gone.joined(separator: ", "))") }
            if !new.isEmpty { detail.append("new: \(new.joined(separator: ", "))") }
            if detail.isEmpty { detail.append("the same names in another order") }
            throw TrainingError.invalidSetting("the checkpoint was trained on the classes [\(trained.classNames.joined(separator: ", "))] "
                + "but the data now has [\(data.classNames.joined(separator: ", "))] (\(detail.joined(separator: "; "))); "
                + "resume with the data it was trained on, or start a new run (another name, or --force)")
        }
        if trained.imageSize != data.imageSize {
            throw TrainingError.invalidSetting("the checkpoint was trained on \(trained.imageSize) images but data.image_size is "
                + "\(data.imageSize); resume with data.image_size: [\(trained.imageSize.height), \(trained.imageSize.width)]")
        }
    }

    /// What lookahead averages: every trainable parameter and every layer state (batch-norm
    /// running statistics), as airbench averages its whole state dict.
    static func averagedTensors(of network: Network) -> [(layer: String, name: String, shape: [Int], buffer: DeviceBuffer<Float>)] {
        network.leafLayers.flatMap(averagedTensors(of:))
    }

    static func averagedTensors(of layer: Layer) -> [(layer: String, name: String, shape: [Int], buffer: DeviceBuffer<Float>)] {
        layer.parameters.filter(\.trainable).map { (layer.name, $0.name, $0.shape, $0.value) }
            + layer.state.map { (layer.name, $0.name, $0.shape, $0.buffer) }
    }

    /// The learning rate at a global step.
    public func learningRate(atStep step: Int) -> Double { optimizer.policy.learningRate(atStep: step) }

    /// One line for the user: the batch, where it came from, and the learning rate used.
    public var batchSummary: String {
        "batch \(batch) (\(batchChoice.reason)), \(optimizer.policy.summary), "
            + "planned device memory \(ByteCount.format(batchChoice.plan.totalBytes))"
    }

    /// An evaluator of this run's model on its validation split, sharing its slots and outputs.
    public func evaluator() -> Evaluator {
        Evaluator(model: model, data: data, slots: slots, outputs: outputs, batch: localBatch, communicator: communicator)
    }
}
