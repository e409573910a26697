import Checkpoints
import InputData
import Model
import OpenCLRuntime
import PipelineConfig
import Training

/// A checkpoint opened for use without training: its stored pipeline (with overrides), the
/// Model rebuilt from it on a device, and the data a command reads through it.
struct StoredModel {
    let checkpoint: Checkpoint
    let config: PipelineConfig
    let model: Model

    /// `overrides` change only what the command reads (data source, split); the network, its
    /// weights and its normalisation come from the checkpoint.
    init(path: String, overrides: [String], device: String?) throws {
        checkpoint = try CheckpointFile.load(from: path)
        try CheckpointMapping.validate(checkpoint, path: path)
        config = try PipelineConfig.parse(text: checkpoint.config, path: "\(path) (stored pipeline)", overrides: overrides)
        let context = try ComputeContext(selector: device ?? config.device)
        let config = config
        // Checkpoints written before the normalisation was stored: measure it on the training
        // split, as those runs did.
        model = try Model.load(checkpoint, config: config, context: context, tuner: CommandTuning.tuner()) {
            try DataSplits(settings: config.data, augment: config.augment, seed: UInt64(config.train.seed), roles: [.train])
                .measureNormalization()
        }
    }

    /// The validation split of the stored pipeline (after overrides), alone.
    func validationData() throws -> DataSplits {
        try DataSplits(settings: config.data, augment: config.augment, seed: UInt64(config.train.seed), roles: [.validation])
    }

    /// Input slots for batches of up to `batch` images (the network's buffers are reserved too).
    func slots(batch: Int) throws -> InputSlotRing {
        try model.network.reserve(batch: batch)
        return try InputSlotRing(context: model.context, batch: batch, valuesPerImage: model.inputShape.count,
                                 count: InputSlotRing.slotCount(prefetch: config.data.prefetch))
    }
}
