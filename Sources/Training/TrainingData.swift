import DataPipeline
import Foundation
import PipelineConfig

/// Which split an epoch stream reads.
public enum SplitRole: Sendable {
    case train
    case validation
}

/// The data side of a run: the training and validation sources, their augmenters, and epoch
/// streams that end in the device's input slots.
///
/// The training split is shuffled per epoch and augmented; validation is read in order with
/// only the normalisation the training split resolved (so `auto` uses the training statistics).
public final class TrainingData {
    public let trainSource: (any DataPipeline.DataSource)?
    public let validationSource: (any DataPipeline.DataSource)?
    public let trainCount: Int
    public let validationCount: Int
    public let classNames: [String]
    let trainAugmenter: Augmenter?
    let evaluationAugmenter: Augmenter?
    let workers: Int
    let prefetch: Int
    let seed: UInt64

    /// - Parameter requireFiles: false for `plan`, which needs only the split sizes; a missing
    ///   CIFAR-10 folder then counts 10,000 images per batch file.
    public init(config: PipelineConfig, requireFiles: Bool = true) throws {
        workers = config.data.workers
        prefetch = config.data.prefetch
        seed = UInt64(config.train.seed)
        var train: (any DataPipeline.DataSource)?
        var validation: (any DataPipeline.DataSource)?
        var expectedTrain = 0, expectedValidation = 0
        switch config.data.source {
        case .synthetic:
            let dataSeed = UInt64(config.data.syntheticSeed)
            train = SyntheticDataset(seed: dataSeed, count: config.data.syntheticTrain)
            // A different seed draws different images of the same classes.
            validation = config.data.syntheticValidation > 0
                ? SyntheticDataset(seed: dataSeed &+ 0x5EED_0000_0001, count: config.data.syntheticValidation) : nil
        case .cifar10:
            let folder = URL(fileURLWithPath: config.data.path)
            expectedTrain = config.data.train.count * 10_000
            expectedValidation = config.data.validation.count * 10_000
            do {
                train = try CIFAR10Loader(folder: folder, split: TrainingData.split(config.data.train, key: "data.train"))
                validation = config.data.validation.isEmpty ? nil
                    : try CIFAR10Loader(folder: folder, split: TrainingData.split(config.data.validation, key: "data.validation"))
            } catch {
                if requireFiles { throw error }
                train = nil
                validation = nil
            }
        }
        trainSource = train
        validationSource = validation
        trainCount = train?.count ?? expectedTrain
        validationCount = validation?.count ?? expectedValidation
        classNames = train?.classNames ?? CIFAR10Loader.defaultClassNames
        if let train {
            let augmenter = try Augmenter(settings: TrainingData.augmentSettings(config.augment), seed: seed, trainingSource: train)
            trainAugmenter = augmenter
            evaluationAugmenter = Augmenter(settings: .evaluation(normalization: augmenter.resolvedNormalization), seed: seed,
                                            statistics: augmenter.statistics)
        } else {
            trainAugmenter = nil
            evaluationAugmenter = nil
        }
    }

    static func split(_ splits: [DataSplit], key: String) throws -> CIFAR10Split {
        if splits == [.test] { return .test }
        var numbers: [Int] = []
        for split in splits {
            guard case let .batch(number) = split else {
                throw TrainingError.invalidSetting("\(key) mixes `test` with numbered batches; use either [test] or batch numbers 1-5")
            }
            numbers.append(number)
        }
        return .batches(numbers)
    }

    static func augmentSettings(_ settings: PipelineConfig.AugmentSettingsAlias) -> DataPipeline.AugmentSettings {
        let normalization: DataPipeline.AugmentSettings.Normalization
        switch settings.normalize {
        case .auto: normalization = .auto
        case .none: normalization = .none
        case let .fixed(mean, std): normalization = .meanStd(mean: mean.map(Float.init), std: std.map(Float.init))
        }
        return DataPipeline.AugmentSettings(translate: settings.translate, flip: settings.flip, cutout: settings.cutout,
                                            normalization: normalization)
    }

    /// An epoch of `split` in batches of `batch`, uploaded into `slots` by the pipeline's upload thread.
    public func epochStream(split: SplitRole, epoch: Int, batch: Int, slots: InputSlotRing) throws -> EpochStream {
        let source: (any DataPipeline.DataSource)?
        let augmenter: Augmenter?
        let settings: PipelineSettings
        switch split {
        case .train:
            source = trainSource
            augmenter = trainAugmenter
            settings = .training(batchSize: batch, workers: workers, prefetch: prefetch, seed: seed)
        case .validation:
            source = validationSource
            augmenter = evaluationAugmenter
            settings = .evaluation(batchSize: batch, workers: workers, prefetch: prefetch)
        }
        guard let source, let augmenter else {
            throw TrainingError.invalidSetting("the \(split) split has no data; check the pipeline's data section")
        }
        slots.reset()
        let pipeline = InputPipeline<DeviceBatch>(source: source, transform: augmenter, settings: settings) { host in
            try slots.upload(images: host.images, labels: host.labels, count: host.count, epoch: host.epoch, index: host.index)
        }
        pipeline.start(epoch: epoch)
        return EpochStream(pipeline: pipeline, slots: slots)
    }
}

/// One epoch of device batches; `cancel()` stops every stage (also one waiting for a slot).
public final class EpochStream {
    let pipeline: InputPipeline<DeviceBatch>
    let slots: InputSlotRing

    init(pipeline: InputPipeline<DeviceBatch>, slots: InputSlotRing) {
        self.pipeline = pipeline
        self.slots = slots
    }

    public func next() throws -> DeviceBatch? { try pipeline.next() }

    public func cancel() {
        slots.cancel()
        pipeline.cancel()
    }

    public var batchesPerEpoch: Int { pipeline.batchesPerEpoch }

    /// Per-stage busy time, waiting time and queue occupancy, for `--verbose`.
    public var statisticsSummary: String { pipeline.statistics.map { "\($0)" } ?? "no input statistics" }
}
