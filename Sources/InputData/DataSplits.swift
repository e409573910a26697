import Foundation
import ImageFiles
import OpenCLRuntime

/// Which split an epoch stream reads.
public enum SplitRole: String, Sendable {
    case train
    case validation
}

/// The data side of a run: the training and validation sources of a pipeline's `data` section,
/// their augmenters, and epoch streams that end in the device's input slots.
///
/// Only the splits asked for are opened, so evaluating a checkpoint needs no training files.
/// The training split is shuffled per epoch and augmented; validation is read in order with only
/// the model's input normalisation.
public final class DataSplits {
    public let trainSource: (any DataSource)?
    public let validationSource: (any DataSource)?
    public let trainCount: Int
    public let validationCount: Int
    public let classNames: [String]
    /// The size of every image of both splits.
    public let imageSize: ImageSize
    /// How folder images were resized (nil for CIFAR and synthetic data).
    public let resize: ResizeRule?
    public let augment: AugmentSettings
    let workers: Int
    let prefetch: Int
    let seed: UInt64
    /// The part of every batch this process reads (data-parallel runs); `epochStream`'s batch is then the local one.
    public var shard = DataShard.whole

    /// - Parameters:
    ///   - roles: the splits to open.
    ///   - requireFiles: false for `plan`, which needs only the split sizes; a missing CIFAR-10
    ///     folder then counts 10,000 images per batch file, and an image folder is counted, not imported.
    ///   - report: the progress lines of an image folder's import (standard error by default).
    public init(settings: DataSettings, augment: AugmentSettings, seed: UInt64, roles: Set<SplitRole> = [.train, .validation],
                requireFiles: Bool = true, report: @escaping (String) -> Void = DataSplits.reportToStandardError) throws {
        self.augment = augment
        workers = settings.workers
        prefetch = settings.prefetch
        self.seed = seed
        var train: (any DataSource)?
        var validation: (any DataSource)?
        var expectedTrain = 0, expectedValidation = 0
        var folderClasses: [String]?
        switch settings.source {
        case .synthetic:
            let dataSeed = UInt64(settings.syntheticSeed)
            if roles.contains(.train) { train = SyntheticDataset(seed: dataSeed, count: settings.syntheticTrain) }
            // A different seed draws different images of the same classes.
            if roles.contains(.validation) && settings.syntheticValidation > 0 {
                validation = SyntheticDataset(seed: dataSeed &+ 0x5EED_0000_0001, count: settings.syntheticValidation)
            }
        case .cifar10:
            let folder = URL(fileURLWithPath: settings.path)
            expectedTrain = roles.contains(.train) ? settings.train.parts.count * 10_000 : 0
            expectedValidation = roles.contains(.validation) ? settings.validation.parts.count * 10_000 : 0
            do {
                if roles.contains(.train) { train = try CIFAR10Loader(folder: folder, split: settings.train) }
                if roles.contains(.validation) && !settings.validation.isEmpty {
                    validation = try CIFAR10Loader(folder: folder, split: settings.validation)
                }
            } catch {
                if requireFiles { throw error }
                train = nil
                validation = nil
            }
        case .cifar100:
            let folder = URL(fileURLWithPath: settings.path)
            expectedTrain = roles.contains(.train) ? 50_000 : 0
            expectedValidation = roles.contains(.validation) && settings.cifar100Validation ? 10_000 : 0
            do {
                if roles.contains(.train) {
                    train = try CIFAR100Loader(folder: folder, fileName: CIFAR100Loader.trainFileName, labels: settings.cifar100Labels)
                }
                if roles.contains(.validation) && settings.cifar100Validation {
                    validation = try CIFAR100Loader(folder: folder, fileName: CIFAR100Loader.testFileName, labels: settings.cifar100Labels)
                }
            } catch {
                if requireFiles { throw error }
                train = nil
                validation = nil
            }
            if !requireFiles && train == nil && validation == nil {
                folderClasses = DataContract.known(from: settings)?.classNames
            }
        case .folder:
            let folders = try ImageFolderSplits(settings: settings, roles: roles, importing: requireFiles, report: report)
            train = folders.train
            validation = folders.validation
            expectedTrain = folders.trainCount
            expectedValidation = folders.validationCount
            folderClasses = folders.classNames
        }
        trainSource = train
        validationSource = validation
        trainCount = train?.count ?? expectedTrain
        validationCount = validation?.count ?? expectedValidation
        classNames = (train ?? validation)?.classNames ?? folderClasses ?? CIFAR10Loader.defaultClassNames
        imageSize = settings.imageSize
        resize = settings.source == .folder ? settings.folder.resize : nil
    }

    /// The classes and input size a model of this data is built for.
    public var contract: DataContract { DataContract(classNames: classNames, imageSize: imageSize, resize: resize) }

    /// Lines about an import (progress, at most one a second, and a summary) on standard error.
    public static let reportToStandardError: (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Where a split's images come from, for messages: its files, or the synthetic set's key.
    public func origin(of role: SplitRole) -> String {
        let source = role == .train ? trainSource : validationSource
        if let loader = source as? CIFAR10Loader {
            return loader.split.fileNames.map { loader.folder.appendingPathComponent($0).path }.joined(separator: ", ")
        }
        if let images = source as? ImportedImageSet { return images.origin }
        if let cifar100 = source as? CIFAR100Loader { return cifar100.file.path }
        return role == .train ? "data.synthetic_train" : "data.synthetic_validation"
    }

    /// The input normalisation `augment.normalization` asks for: none, the given values, or
    /// (`auto`) the statistics measured once on the training split.
    public func measureNormalization() throws -> ChannelStatistics {
        try Augmenter(settings: augment, seed: seed, trainingSource: trainSource, imageSize: imageSize).statistics
    }

    /// The first `count` images of the training split (fewer when it is smaller), normalised with
    /// `normalization` and not augmented, NCHW: the sample that layers measured from data (the
    /// whitening layer) are computed from at the start of a new run.
    public func trainingSample(count: Int, normalization: ChannelStatistics) throws -> (images: [Float], count: Int) {
        guard let source = trainSource else { throw DataError.noData(split: "training") }
        let n = min(count, source.count)
        let plane = imageSize.planeSize, values = imageSize.pixelsPerImage
        var images = [Float](repeating: 0, count: n * values)
        let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: values)
        defer { pixels.deallocate() }
        for index in 0..<n {
            source.copyPixels(at: index, into: pixels)
            for c in 0..<3 {
                let mean = normalization.mean[c], std = normalization.std[c]
                for i in 0..<plane {
                    images[index * values + c * plane + i] = (Float(pixels[c * plane + i]) / 255 - mean) / std
                }
            }
        }
        return (images, n)
    }

    /// An epoch of `split` in batches of `batch`, normalised with `normalization`, uploaded into
    /// `slots` by the upload stage's thread.
    public func epochStream(split: SplitRole, epoch: Int, batch: Int, slots: InputSlotRing,
                            normalization: ChannelStatistics) throws -> EpochStream {
        let source: (any DataSource)?
        let augmenter: Augmenter
        var settings: InputStageSettings
        switch split {
        case .train:
            source = trainSource
            augmenter = Augmenter(settings: augment, seed: seed, statistics: normalization, imageSize: imageSize)
            settings = .training(batchSize: batch, workers: workers, prefetch: prefetch, seed: seed)
        case .validation:
            source = validationSource
            augmenter = Augmenter(settings: .evaluation(normalization: .meanStd(mean: normalization.mean, std: normalization.std)),
                                  seed: seed, statistics: normalization, imageSize: imageSize)
            settings = .evaluation(batchSize: batch, workers: workers, prefetch: prefetch)
        }
        guard let source else { throw DataError.noData(split: split.rawValue) }
        settings.shard = shard
        slots.reset()
        let stages = InputStages<DeviceBatch>(source: source, transform: augmenter, settings: settings) { host in
            try slots.upload(images: host.images, labels: host.labels, count: host.count, epoch: host.epoch, index: host.index)
        }
        stages.start(epoch: epoch)
        return EpochStream(stages: stages, slots: slots)
    }
}

/// One epoch of device batches; `cancel()` stops every stage (also one waiting for a slot).
public final class EpochStream {
    let stages: InputStages<DeviceBatch>
    let slots: InputSlotRing

    init(stages: InputStages<DeviceBatch>, slots: InputSlotRing) {
        self.stages = stages
        self.slots = slots
    }

    public func next() throws -> DeviceBatch? { try stages.next() }

    public func cancel() {
        slots.cancel()
        stages.cancel()
    }

    public var batchesPerEpoch: Int { stages.batchesPerEpoch }

    /// Per-stage busy time, waiting time and queue occupancy, for `--verbose`.
    public var statisticsSummary: String { stages.statistics.map { "\($0)" } ?? "no input statistics" }
}
