import Checkpoints
import PipelineConfig

/// The batch a run asks for, decided in one place before anything uses it.
///
/// In order: a checkpoint's batch (a resumed run, or a stored model being evaluated), else the
/// pipeline's `train.batch`, which `--batch` has already overridden (`train.batch=N`), else
/// `auto`, which `BatchChoice` settles from the memory plan of the built network. Under mpirun
/// the global batch is split into equal per-rank shares: every rank's network, input slots and
/// step outputs, and the convolution tuner's measurements, are at `perRank`.
public struct BatchRequest: Equatable, Sendable {
    public enum Source: String, Sendable { case fixed, auto, checkpoint }

    /// The global batch over all ranks; nil for `auto` until `BatchChoice` picks it.
    public let global: Int?
    public let source: Source
    public let ranks: Int

    public init(setting: BatchSetting, checkpoint: Checkpoint? = nil, ranks: Int = 1) throws {
        self.ranks = ranks
        if let stored = checkpoint.flatMap(CheckpointMapping.batch) {
            global = stored
            source = .checkpoint
        } else if let fixed = setting.fixedValue {
            global = fixed
            source = .fixed
        } else {
            global = nil
            source = .auto
        }
        if let global { _ = try perRank(of: global) }
    }

    /// Each rank's share of a known batch; nil for `auto` before the choice (the tuner then
    /// measures at its probe cap).
    public var perRank: Int? { global.map { $0 / ranks } }

    /// Each rank's share of the global batch `batch`, refused when the ranks do not divide it.
    public func perRank(of batch: Int) throws -> Int {
        guard batch % ranks == 0 else {
            throw TrainingError.invalidSetting("the batch of \(batch) does not divide among \(ranks) processes (each takes an equal "
                                               + "share of every batch); choose a train.batch that is a multiple of \(ranks), "
                                               + "for example --set train.batch=\(max(batch / ranks, 1) * ranks), or run with another -np")
        }
        return batch / ranks
    }

    /// The batch of a command that opens a checkpoint without training (evaluate, activations,
    /// report): the checkpoint's, else its pipeline's fixed batch, else 100.
    public static func stored(_ checkpoint: Checkpoint, config: PipelineConfig) -> Int {
        CheckpointMapping.batch(checkpoint) ?? config.train.batch.fixedValue ?? 100
    }
}
