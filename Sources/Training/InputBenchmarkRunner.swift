import DataPipeline
import PipelineConfig

/// `conveyor bench --input`: the input pipeline's images/s (load, crop, flip, normalise) on the
/// pipeline's training data and augmentation, without the device.
public enum InputBenchmarkRunner {
    public static func imagesPerSecond(config: PipelineConfig, batch: Int, seconds: Double = 3) throws -> Double {
        let data = try TrainingData(config: config)
        guard let source = data.trainSource else { throw TrainingError.invalidSetting("the training split has no data") }
        return try InputBenchmark.run(source: source, settings: TrainingData.augmentSettings(config.augment), batch: batch,
                                      workers: config.data.workers, seconds: seconds)
    }
}
