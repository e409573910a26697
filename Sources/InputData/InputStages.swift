import Foundation

/// Streams the batches of a data source, epoch after epoch, through bounded stages:
/// read and shuffle, augment with N workers, pack in order into host staging batches, and an
/// optional upload closure on its own thread, so that the upload of batch k+1 overlaps the
/// consumer's work on batch k.
///
///     let stages = InputStages(source: train, transform: augmenter, settings: .training(batchSize: 256)) { batch in
///         try device.upload(batch)          // runs on the upload thread
///     }
///     try stages.start(epoch: 0)
///     while let input = try stages.next() { ... }
///     print(stages.statistics)
///
/// Batches are bitwise the same whatever `workers` is. The first error of any stage stops every
/// stage and is thrown by `next()` as `InputStageError.stage(name, error)`.
public final class InputStages<Output>: @unchecked Sendable {
    public let source: any DataSource
    public let transform: any SampleTransform
    public let settings: InputStageSettings
    private let upload: (HostBatch) throws -> Output
    private let recycleImages: Bool
    private let imagePool: StagingBufferPool<Float>
    private let lock = NSLock()
    private var run: InputEpochRun<Output>?
    private var lastStatistics: InputStageStatistics?

    /// `upload` runs on the upload stage's thread, once per batch, in batch order. The host
    /// batch's image buffer is reused after it returns, so copy what must outlive the call.
    public convenience init(source: any DataSource, transform: any SampleTransform, settings: InputStageSettings,
                upload: @escaping (HostBatch) throws -> Output) {
        self.init(source: source, transform: transform, settings: settings, upload: upload, recycleImages: true)
    }

    private init(source: any DataSource, transform: any SampleTransform, settings: InputStageSettings,
                 upload: @escaping (HostBatch) throws -> Output, recycleImages: Bool) {
        precondition(settings.batchSize > 0 && settings.workers > 0 && settings.prefetch > 0,
                     "batch size, workers and prefetch must be positive")
        self.source = source
        self.transform = transform
        self.settings = settings
        self.upload = upload
        self.recycleImages = recycleImages
        let limit = settings.maxBatchesInFlight
        imagePool = StagingBufferPool(size: settings.batchSize * source.imageSize.pixelsPerImage, limit: limit)
    }

    /// Batches per epoch for `samples` samples.
    public static func batchCount(samples: Int, settings: InputStageSettings) -> Int {
        if !settings.shard.isWhole {
            return settings.shard.batchCount(samples: samples, batchSize: settings.batchSize, dropLast: settings.dropLast)
        }
        return settings.dropLast ? samples / settings.batchSize : (samples + settings.batchSize - 1) / settings.batchSize
    }

    public var batchesPerEpoch: Int { Self.batchCount(samples: source.count, settings: settings) }

    /// Starts the stages of `epoch`; an epoch still under way is cancelled first.
    public func start(epoch: Int) {
        lock.lock()
        let previous = run
        lock.unlock()
        if let previous {
            previous.stop(.cancelled)
            remember(previous)
        }
        let next = InputEpochRun(epoch: epoch, settings: settings, source: source, transform: transform, upload: upload,
                                    recycleImages: recycleImages, imagePool: imagePool)
        lock.lock()
        run = next
        lock.unlock()
        next.start()
    }

    /// The next batch of the epoch, `nil` after its last one (all stage threads have then ended).
    /// Throws the first stage error, or `InputStageError.cancelled`.
    public func next() throws -> Output? {
        lock.lock()
        let current = run
        lock.unlock()
        guard let current else { throw InputStageError.notStarted }
        do {
            let item = try current.next()
            if item == nil { remember(current) }
            return item
        } catch {
            remember(current)
            throw error
        }
    }

    /// Stops every stage and returns once all their threads have ended; `next()` then throws `.cancelled`.
    /// Safe from any thread (e.g. a SIGINT handler's queue). An upload closure under way is let finish.
    public func cancel() {
        lock.lock()
        let current = run
        lock.unlock()
        current?.stop(.cancelled)
    }

    /// Statistics of the epoch under way, or of the last one.
    public var statistics: InputStageStatistics? {
        lock.lock()
        let current = run
        let last = lastStatistics
        lock.unlock()
        return current?.statistics ?? last
    }

    /// Stage threads still running (0 once an epoch ends, fails or is cancelled).
    public var runningThreads: Int {
        lock.lock()
        let current = run
        lock.unlock()
        return current?.threadsRunning ?? 0
    }

    private func remember(_ finished: InputEpochRun<Output>) {
        let statistics = finished.statistics
        lock.lock()
        lastStatistics = statistics
        lock.unlock()
    }

    deinit {
        run?.stop(.cancelled)
    }
}

extension InputStages where Output == HostBatch {
    /// Input stages whose consumer takes the host batches themselves (no upload stage work).
    public convenience init(source: any DataSource, transform: any SampleTransform, settings: InputStageSettings) {
        self.init(source: source, transform: transform, settings: settings, upload: { $0 }, recycleImages: false)
    }
}
