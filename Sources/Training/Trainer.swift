import Checkpoints
import Foundation
import InputData
import Layers
import Model
import OpenCLRuntime
import PipelineConfig

/// Runs a pipeline: for each epoch, trains on the training split (streamed through the input
/// pipeline into the device), validates, logs a metrics row and writes checkpoints.
///
/// Everything random is a function of the seed and the position (epoch, step, sample index),
/// so a run stopped and resumed from a checkpoint ends with the weights of one never stopped.
public final class Trainer {
    public struct Options {
        public var verbose = false
        public var quiet = false
        public init(verbose: Bool = false, quiet: Bool = false) {
            self.verbose = verbose
            self.quiet = quiet
        }
    }

    /// Faults that the trainer's tests provoke at a chosen global step. Nothing outside the tests
    /// sets them (they are internal, reached through `@testable import`).
    struct TestHooks {
        /// The NaN guard: poison the classifier's last parameter before this step.
        var injectNaNAtStep: Int?
        /// Stop and resume: behave as if SIGINT arrived during this step.
        var stopAtStep: Int?
    }

    /// Training images the data-initialised layers are measured on (airbench: the first 5,000).
    public static let dataInitializationSample = 5000

    public let run: TrainingRun
    public let options: Options
    var testHooks = TestHooks()
    public private(set) var completedEpochs = 0
    public private(set) var step = 0
    public private(set) var history: [EpochMetrics] = []
    /// The signal that stopped training early (SIGINT, SIGTERM), if one did.
    public private(set) var stoppedBySignal: Int32?
    /// The totals of the steps a stopped run trained in the epoch it resumes in (found by the
    /// kill-and-resume soak: without them that epoch's row counted only the steps after the stop).
    private var resumedPartialEpoch: CheckpointMapping.PartialEpoch?
    private let checkpoints: CheckpointWriter
    private let metricsLog: MetricsLog
    private let progress: ProgressReporter
    /// Nil when the pipeline sets `checkpoint.tensorboard: false`.
    private var tensorBoard: TensorBoardLog?
    /// Data-parallel runs: per-step totals and the stop decision agreed by the ranks, and the
    /// check that their weights stay identical. Only rank 0 writes files and prints.
    private let agreement: RankAgreement
    private let replicas: ReplicaChecksum
    private var writesFiles: Bool { run.communicator.isRoot }

    public var network: Network { run.network }
    public var config: PipelineConfig { run.config }
    public var context: ComputeContext { run.context }

    public init(run: TrainingRun, options: Options = Options()) throws {
        self.run = run
        self.options = options
        progress = ProgressReporter(quiet: options.quiet || !run.communicator.isRoot)
        agreement = RankAgreement(communicator: run.communicator)
        replicas = ReplicaChecksum(network: run.network, communicator: run.communicator)
        if run.communicator.isRoot {
            try FileManager.default.createDirectory(at: run.runFolder, withIntermediateDirectories: true)
        }
        checkpoints = CheckpointWriter(folder: run.runFolder, keep: run.config.checkpoint.keep)
        metricsLog = MetricsLog(folder: run.runFolder)
        if let checkpoint = run.resumedFrom {
            let position = try CheckpointMapping.restore(checkpoint, into: run)
            completedEpochs = position.epoch
            step = position.step
            history = checkpoint.metrics
            resumedPartialEpoch = CheckpointMapping.partialEpoch(checkpoint)
            guard completedEpochs < run.config.train.epochs else {
                throw TrainingError.invalidSetting(
                    "the checkpoint has already trained \(completedEpochs) epochs and the pipeline asks for \(run.config.train.epochs); "
                        + "to train further, raise the epoch count, for example --set train.epochs=\(completedEpochs + 5)")
            }
        } else {
            try run.model.initializeParameters(seed: run.seed)
            if run.model.needsDataInitialization {
                // Values measured from data (the whitening filters) once, at the start of a new
                // run; a resumed run loads them from its checkpoint instead.
                let start = Date()
                let sample = try run.data.trainingSample(count: Trainer.dataInitializationSample, normalization: run.model.normalization)
                try run.model.initializeFromData(sample: sample.images, count: sample.count)
                say(String(format: "measured the data-initialised layers on %d training images in %.2f s", sample.count,
                           Date().timeIntervalSince(start)))
            }
            try run.lookahead?.reset()
        }
        if run.config.checkpoint.tensorboard && writesFiles {   // rank 0 alone writes the run folder
            do {
                tensorBoard = try TensorBoardLog(folder: run.runFolder, filterImageInterval: run.config.checkpoint.filterImageInterval,
                                                 history: history)
            } catch {
                tensorBoard = nil
                TensorBoardLog.warnNotWritten(folder: run.runFolder, error)
            }
        }
    }

    /// Trains the remaining epochs. Returns early (with `stoppedBySignal` set) after Ctrl-C or SIGTERM.
    @discardableResult
    public func train() throws -> [EpochMetrics] {
        let trainingStep = run.step
        say("training \(config.name): \(config.train.epochs) epochs of \(run.trainBatchesPerEpoch) batches of \(run.batch) "
            + "on \(context.device.name)")
        context.memory.resetPeak()
        while completedEpochs < config.train.epochs {
            let start = Date()
            guard let totals = try trainEpoch(with: trainingStep, start: start) else { return history }
            let trainSeconds = Date().timeIntervalSince(start)
            completedEpochs += 1
            try endEpoch(totals, start: start, trainSeconds: trainSeconds)
        }
        return history
    }

    /// Loss, correct predictions and images of the steps of one epoch, over all ranks.
    private struct EpochTotals {
        var lossSum = 0.0
        var correct = 0
        var images = 0
    }

    /// Trains the epoch after `completedEpochs` from the run's step on; nil when a signal
    /// stopped it (`last.h5` then holds the position and the epoch's totals so far).
    private func trainEpoch(with trainingStep: TrainingStep, start: Date) throws -> EpochTotals? {
        let epoch = completedEpochs, epochs = config.train.epochs
        let stepsPerEpoch = run.trainBatchesPerEpoch
        let stream = try run.data.epochStream(split: .train, epoch: epoch, batch: run.localBatch, slots: run.slots,
                                              normalization: run.model.normalization)
        defer { stream.cancel() }
        var totals = EpochTotals()
        var batchIndex = 0
        progress.startEpoch(epoch: epoch + 1, epochs: epochs, batches: stepsPerEpoch, firstOfRun: step == 0)
        // After a stop mid-epoch the checkpoint's step lies inside this epoch: the batches
        // before it were trained already, so they are drawn (to keep the data order) and skipped.
        var skip = step - epoch * stepsPerEpoch
        if skip > 0, let partial = resumedPartialEpoch {
            totals = EpochTotals(lossSum: partial.lossSum, correct: partial.correct, images: partial.images)
        }
        resumedPartialEpoch = nil
        while let batch = try stream.next() {
            batchIndex += 1
            if skip > 0 {
                skip -= 1
                try run.slots.release(batch, context: context)
                continue
            }
            let agreed = try trainStep(on: batch, with: trainingStep)
            step += 1
            if let lookahead = run.lookahead, lookahead.synchronises(afterStep: step, endOfEpoch: batchIndex == stepsPerEpoch) {
                try lookahead.synchronise(afterStep: step)
            }
            guard agreed.loss.isFinite else {
                stream.cancel()
                throw TrainingError.nonFiniteLoss(step: step, epoch: epoch + 1, lastCheckpoint: checkpoints.lastSaved?.path)
            }
            totals.lossSum += agreed.loss
            totals.correct += agreed.correct
            totals.images += agreed.images
            let elapsed = Date().timeIntervalSince(start)
            progress.update(epoch: epoch + 1, epochs: epochs, batch: batchIndex, batches: stepsPerEpoch,
                            loss: totals.lossSum / Double(totals.images), accuracy: Double(totals.correct) / Double(totals.images),
                            imagesPerSecond: Double(totals.images) / max(elapsed, 1e-9), elapsed: elapsed)
            if let signal = agreed.stop {
                stream.cancel()
                progress.endEpoch()
                stoppedBySignal = signal
                let path = try saveCheckpoint(epochsDone: completedEpochs, kinds: [.last],
                                              partial: .init(lossSum: totals.lossSum, correct: totals.correct, images: totals.images))
                say("stopped by signal \(signal) at step \(step); saved \(path.path). Resume with: conveyor resume \(path.path)")
                return nil
            }
        }
        progress.endEpoch()
        if options.verbose { say(stream.statisticsSummary) }
        return totals
    }

    /// One step on one batch (forward, loss, backward, update), its slot handed back, and the
    /// batch's loss and correct predictions summed over the ranks with their decision to stop.
    private func trainStep(on batch: DeviceBatch, with trainingStep: TrainingStep) throws -> RankAgreement.Totals {
        let n = batch.count
        if step == testHooks.injectNaNAtStep, let last = network.parameters.last?.parameter {
            try last.value.fill(.nan)
        }
        try trainingStep.enqueue(images: batch.slot.images, labels: batch.slot.labels, count: n, step: step, outputs: run.outputs)
        try run.slots.release(batch, context: context)
        let losses = try run.outputs.losses.read(count: n)
        let flags = try run.outputs.correct.read(count: n)
        return try agreement.afterStep(.init(
            loss: losses.reduce(0.0) { $0 + Double($1) }, correct: flags.reduce(0) { $0 + Int($1) }, images: n,
            stop: StopRequest.signal ?? (step + 1 == testHooks.stopAtStep ? SIGINT : nil)))
    }

    /// After the epoch's steps: the replica check, validation when due, the metrics row (printed,
    /// then in `metrics.csv` and TensorBoard) and the epoch's checkpoints.
    private func endEpoch(_ totals: EpochTotals, start: Date, trainSeconds: Double) throws {
        let epochs = config.train.epochs
        if completedEpochs % ReplicaChecksum.interval == 0 { try replicas.verify(afterEpoch: completedEpochs) }
        let validation = try validateIfDue()
        let seen = totals.images
        let metrics = EpochMetrics(epoch: completedEpochs, trainLoss: totals.lossSum / Double(max(seen, 1)),
                                   trainAccuracy: Double(totals.correct) / Double(max(seen, 1)), validationLoss: validation.loss,
                                   validationAccuracy: validation.accuracy, learningRate: run.learningRate(atStep: step),
                                   imagesPerSecond: Double(seen) / max(trainSeconds, 1e-9), seconds: Date().timeIntervalSince(start))
        history.append(metrics)
        // Without a validation this epoch, "val -" rather than "nan%".
        let val = metrics.validationAccuracy.isNaN ? "val -"
            : String(format: "val loss %.4f  acc %.2f%%", metrics.validationLoss, metrics.validationAccuracy * 100)
        say(String(format: "epoch %d/%d  train loss %.4f  acc %.2f%%  %@  lr %.4g  %.0f img/s  %.1f s",
                   completedEpochs, epochs, metrics.trainLoss, metrics.trainAccuracy * 100, val,
                   metrics.learningRate, metrics.imagesPerSecond, metrics.seconds))
        if options.verbose { say("device memory: peak \(ByteCount.format(context.memory.peak)) held by the allocator") }
        var kinds: Set<CheckpointWriter.Kind> = []
        if CheckpointWriter.isSaveEpoch(completedEpochs, interval: config.checkpoint.interval) { kinds.formUnion([.last, .numbered]) }
        if completedEpochs == epochs { kinds.insert(.last) }
        if CheckpointWriter.isBest(validation.accuracy, earlier: history.dropLast()) { kinds.insert(.best) }
        if !kinds.isEmpty { try saveCheckpoint(epochsDone: completedEpochs, kinds: kinds) }
        // After the checkpoint, so that a kill between the two cannot leave a row that a resume repeats.
        if writesFiles {
            try metricsLog.append(metrics)
            do {
                try tensorBoard?.record(metrics, totalEpochs: epochs) { try TensorBoardLog.firstFilters(of: network) }
            } catch {
                // Events are a view of metrics.csv, which is written: training goes on without them.
                tensorBoard = nil
                TensorBoardLog.warnNotWritten(folder: run.runFolder, error)
            }
        }
    }

    /// The validation split's loss and accuracy after `completedEpochs`, when `train.eval_interval`
    /// asks for it and after the last epoch (test-time augmentation as `train.tta` says); NaN otherwise.
    private func validateIfDue() throws -> (loss: Double, accuracy: Double) {
        let epochs = config.train.epochs
        guard run.hasValidation && (completedEpochs % max(config.train.evalInterval, 1) == 0 || completedEpochs == epochs) else {
            return (.nan, .nan)
        }
        let tta = config.train.ttaEveryEpoch || completedEpochs == epochs ? config.train.tta : .none
        let result = try run.evaluator().evaluate(split: .validation, epoch: completedEpochs, tta: tta)
        return (result.loss, result.accuracy)
    }

    @discardableResult
    private func saveCheckpoint(epochsDone: Int, kinds: Set<CheckpointWriter.Kind>,
                                partial: CheckpointMapping.PartialEpoch? = nil) throws -> URL {
        guard writesFiles else { return checkpoints.folder.appendingPathComponent(CheckpointWriter.lastName) }
        let checkpoint = try CheckpointMapping.make(run: run, epoch: epochsDone, step: step, metrics: history, partial: partial)
        return try checkpoints.save(checkpoint, epoch: epochsDone, kinds: kinds)
    }

    private func say(_ text: String) {
        if !options.quiet && run.communicator.isRoot { print(text) }
    }
}
