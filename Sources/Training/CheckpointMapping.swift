import Checkpoints
import Model
import OpenCLRuntime
import PipelineConfig

/// Moves a run's state between the device and a `Checkpoint`: the model's weights, statistics
/// and input normalisation, the optimizer's momentum and lookahead averages, the position (epoch, step), the batch
/// size and the metrics history.
public enum CheckpointMapping {
    /// Keys of `Checkpoint.state`.
    static let batchKey = "batch"
    /// The totals of an epoch stopped part-way (Ctrl-C, SIGTERM), so that its metrics row after a
    /// resume counts the steps before the stop too: the loss sum as the bits of its Double.
    static let partialLossKey = "epoch_loss_sum_bits", partialCorrectKey = "epoch_correct", partialImagesKey = "epoch_images"

    /// The training totals of the steps of an epoch done so far.
    public struct PartialEpoch: Equatable {
        public var lossSum = 0.0
        public var correct = 0
        public var images = 0
    }

    public static func make(run: TrainingRun, epoch: Int, step: Int, metrics: [EpochMetrics],
                            partial: PartialEpoch? = nil) throws -> Checkpoint {
        let model = try run.model.checkpointTensors()
        var momentum: [String: [String: Checkpoint.Tensor]] = [:]
        for entry in run.optimizer.entries {
            momentum[entry.layer, default: [:]]["\(entry.parameter.name)_momentum"] =
                Checkpoint.Tensor(shape: entry.parameter.shape, values: try entry.momentum.read())
        }
        for entry in run.lookahead?.entries ?? [] {
            momentum[entry.layer, default: [:]]["\(entry.name)_average"] =
                Checkpoint.Tensor(shape: entry.shape, values: try entry.average.read())
        }
        let optimizer = run.network.leafLayers.compactMap { layer in
            momentum[layer.name].map { Checkpoint.LayerTensors(name: layer.name, tensors: $0) }
        }
        var checkpoint = Checkpoint(epoch: UInt64(epoch), step: UInt64(step), seed: run.seed, config: run.config.sourceText,
                                    layers: model.layers, optimizer: optimizer, metrics: metrics,
                                    state: [batchKey: UInt64(run.batch)])
        checkpoint.normalization = model.normalization
        let contract = run.model.contract
        checkpoint.data = Checkpoint.DataDescription(classNames: contract.classNames, height: contract.imageSize.height,
                                                     width: contract.imageSize.width, resize: contract.resize?.rawValue)
        if let partial {
            checkpoint.state[partialLossKey] = partial.lossSum.bitPattern
            checkpoint.state[partialCorrectKey] = UInt64(partial.correct)
            checkpoint.state[partialImagesKey] = UInt64(partial.images)
        }
        return checkpoint
    }

    /// The totals of the part of an epoch a stopped run trained before its checkpoint, or nil.
    public static func partialEpoch(_ checkpoint: Checkpoint) -> PartialEpoch? {
        guard let bits = checkpoint.state[partialLossKey], let correct = checkpoint.state[partialCorrectKey],
              let images = checkpoint.state[partialImagesKey], correct <= images, images <= UInt64(Int32.max),
              Double(bitPattern: bits).isFinite else { return nil }
        return PartialEpoch(lossSum: Double(bitPattern: bits), correct: Int(correct), images: Int(images))
    }

    /// The batch the checkpoint was trained with, so a resumed run uses the same.
    public static func batch(_ checkpoint: Checkpoint) -> Int? {
        checkpoint.state[batchKey].flatMap { $0 <= UInt64(PipelineLimits.batch) ? Int($0) : nil }
    }

    /// Refuses state no run writes: a stored batch of 0 or beyond `PipelineLimits.batch`.
    public static func validate(_ checkpoint: Checkpoint, path: String) throws {
        if let batch = checkpoint.state[batchKey], batch == 0 || batch > UInt64(PipelineLimits.batch) {
            throw CheckpointError.implausible(path: path, detail: "/state batch \(batch) (batches are 1 to \(PipelineLimits.batch))")
        }
    }

    /// Refuses a position that does not lie in the checkpoint's epoch with this run's batches per
    /// epoch (the training data or batch differs from the run that wrote it, or the file is damaged).
    public static func checkPosition(_ checkpoint: Checkpoint, path: String, stepsPerEpoch: Int) throws {
        let epoch = Int(checkpoint.epoch), step = Int(checkpoint.step)
        // A stop after the last step of an epoch saves before the epoch is counted: step (epoch + 1) x steps.
        guard step < epoch * stepsPerEpoch || step > epoch * stepsPerEpoch + stepsPerEpoch else { return }
        throw CheckpointError.implausible(path: path, detail: "step \(step) after \(epoch) epochs, while this run has \(stepsPerEpoch) "
            + "steps per epoch (steps \(epoch * stepsPerEpoch) to \(epoch * stepsPerEpoch + stepsPerEpoch) after \(epoch) epochs); "
            + "resume with the training data and batch the checkpoint was trained with")
    }

    /// Loads weights, statistics and momentum into the run; returns the position to go on from.
    /// Refuses (listing every difference) a checkpoint whose layers or shapes differ.
    public static func restore(_ checkpoint: Checkpoint, into run: TrainingRun) throws -> (epoch: Int, step: Int) {
        var differences = run.model.differences(from: checkpoint)
        var writes: [(DeviceBuffer<Float>, [Float])] = []
        let momentum = Dictionary(checkpoint.optimizer.map { ($0.name, $0.tensors) }, uniquingKeysWith: { a, _ in a })
        for entry in run.optimizer.entries {
            let key = "\(entry.parameter.name)_momentum"
            guard let tensor = momentum[entry.layer]?[key], tensor.shape == entry.parameter.shape else {
                differences.append("optimizer \(entry.layer).\(key): missing or of the wrong shape in the checkpoint")
                continue
            }
            writes.append((entry.momentum, tensor.values))
        }
        for entry in run.lookahead?.entries ?? [] {
            let key = "\(entry.name)_average"
            guard let tensor = momentum[entry.layer]?[key], tensor.shape == entry.shape else {
                differences.append("optimizer \(entry.layer).\(key): the lookahead average is missing or of the wrong size in the "
                                   + "checkpoint (was it trained without optimizer.lookahead?)")
                continue
            }
            writes.append((entry.average, tensor.values))
        }
        guard differences.isEmpty else { throw CheckpointMismatch(differences: differences) }
        try run.model.loadTensors(from: checkpoint)
        for (buffer, values) in writes { try buffer.write(values) }
        return (Int(checkpoint.epoch), Int(checkpoint.step))
    }
}
