import Dispatch

/// Images per second of loading plus augmentation, without a device (for `conveyor bench --input`).
public enum InputBenchmark {
    /// Runs epochs of `source` through the input stages for about `seconds` and returns images/s over
    /// the batches delivered. `.auto` normalisation is measured first, outside the timing.
    public static func run(source: any DataSource, settings: AugmentSettings, batch: Int, workers: Int,
                           seconds: Double, prefetch: Int = 4, seed: UInt64 = 0) throws -> Double {
        let augmenter = try Augmenter(settings: settings, seed: seed, trainingSource: source)
        let stages = InputStages(source: source, transform: augmenter,
                                     settings: .training(batchSize: batch, workers: workers, prefetch: prefetch, seed: seed))
        guard stages.batchesPerEpoch > 0 else { return 0 }
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        var images = 0
        var epoch = 0
        outer: while true {
            stages.start(epoch: epoch)
            while let batch = try stages.next() {
                images += batch.count
                if DispatchTime.now().uptimeNanoseconds >= deadline {
                    stages.cancel()
                    break outer
                }
            }
            epoch += 1
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(images) / elapsed
    }
}
