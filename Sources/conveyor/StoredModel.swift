import ArgumentParser
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
    let checkpointPath: String
    /// The batch it is run at (`BatchRequest.stored`), which the tuner measured at too.
    let batch: Int

    /// `overrides` change only what the command reads (data source, split); the network, its
    /// weights and its normalisation come from the checkpoint.
    init(path: String, overrides: [String], device: String?) throws {
        checkpointPath = path
        checkpoint = try CheckpointFile.load(from: path)
        try CheckpointMapping.validate(checkpoint, path: path)
        config = try PipelineConfig.parse(text: checkpoint.config, path: "\(path) (stored pipeline)", overrides: overrides)
        let context = try ComputeContext(selector: device ?? config.device)
        let config = config
        batch = BatchRequest.stored(checkpoint, config: config)
        let tuner = CommandTuning.tuner()
        tuner?.batch = batch
        // Checkpoints written before the normalisation was stored: measure it on the training
        // split, as those runs did.
        model = try Model.load(checkpoint, config: config, context: context, tuner: tuner) {
            try DataSplits(settings: config.data, augment: config.augment, seed: UInt64(config.train.seed), roles: [.train])
                .measureNormalization()
        }
    }

    /// The validation split of the stored pipeline (after overrides), alone; refused when its
    /// images or classes are not those the network was trained on (another `--data`).
    func validationData() throws -> DataSplits {
        let data = try DataSplits(settings: config.data, augment: config.augment, seed: UInt64(config.train.seed), roles: [.validation])
        let trained = model.contract
        if data.imageSize != trained.imageSize || data.classNames.count != trained.classNames.count {
            throw ValidationError("the data (\(data.origin(of: .validation))) has \(data.classNames.count) classes of \(data.imageSize) "
                                  + "images, but \(checkpointPath) was trained on \(trained.classNames.count) classes of "
                                  + "\(trained.imageSize) images (\(trained.classNames.prefix(10).joined(separator: ", "))"
                                  + "\(trained.classNames.count > 10 ? ", ..." : "")); give data of those classes and that size")
        }
        return data
    }

    /// Input slots for batches of up to `batch` images (the network's buffers are reserved too).
    func slots(batch: Int) throws -> InputSlotRing {
        try model.network.reserve(batch: batch)
        return try InputSlotRing(context: model.context, batch: batch, valuesPerImage: model.inputShape.count,
                                 count: InputSlotRing.slotCount(prefetch: config.data.prefetch))
    }
}
