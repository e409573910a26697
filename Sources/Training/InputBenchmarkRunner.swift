import InputData
import PipelineConfig

/// `conveyor bench --input`: the input stages' images/s (load, crop, flip, normalise) on the
/// pipeline's training data and augmentation, without the device.
public enum InputBenchmarkRunner {
    public static func imagesPerSecond(config: PipelineConfig, batch: Int, seconds: Double = 3) throws -> Double {
        let data = try DataSplits(settings: config.data, augment: config.augment, seed: UInt64(config.train.seed), roles: [.train])
        guard let source = data.trainSource else { throw DataError.noData(split: "training") }
        return try InputBenchmark.run(source: source, settings: config.augment, batch: batch,
                                      workers: config.data.workers, seconds: seconds)
    }
}
