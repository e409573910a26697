import Dispatch
import Foundation

/// The threads and queues of one epoch of `InputStages`:
///
///     read & shuffle -> rawQueue -> augment (N workers) -> augmentedQueue -> pack (in order)
///       -> packedQueue -> upload -> outputQueue -> consumer
///
/// The read stage orders the samples and reads their labels; the workers copy each sample's
/// pixels (a memcpy from the mapped file, or the synthetic generator) straight before
/// augmenting it, so that reading pixels scales with the workers and stays in cache.
///
/// A window of tickets, taken by the read stage and returned by the pack stage, bounds the
/// batches between them, so that a slow worker cannot make the reorder buffer grow.
final class InputEpochRun<Output>: @unchecked Sendable {
    /// The samples of one batch, in order, before their pixels are read.
    struct SampleBatch {
        let index: Int
        var labels: [Int32]
        var sampleIndices: [Int]
    }

    let epoch: Int
    let settings: InputStageSettings
    let source: any DataSource
    let transform: any SampleTransform
    let upload: (HostBatch) throws -> Output
    let recycleImages: Bool
    let order: [Int]
    let batchCount: Int

    let window: BoundedQueue<Void>
    let rawQueue: BoundedQueue<SampleBatch>
    let augmentedQueue: BoundedQueue<HostBatch>
    let packedQueue: BoundedQueue<HostBatch>
    let outputQueue: BoundedQueue<Output>
    private let imagePool: StagingBufferPool<Float>

    private let lock = NSLock()
    private let group = DispatchGroup()
    private var stopped = false
    private var firstError: InputStageError?
    private var busy: [String: Double] = [:]
    private var runningThreads = 0
    private var workersLeft: Int
    private var inFlight = 0
    private var maxInFlight = 0
    private var consumerWait: Double = 0
    private var delivered = 0
    private var deliveredImages = 0
    private let started = DispatchTime.now().uptimeNanoseconds
    private var finished: UInt64?

    init(epoch: Int, settings: InputStageSettings, source: any DataSource, transform: any SampleTransform,
         upload: @escaping (HostBatch) throws -> Output, recycleImages: Bool,
         imagePool: StagingBufferPool<Float>) {
        self.epoch = epoch
        self.settings = settings
        self.source = source
        self.transform = transform
        self.upload = upload
        self.recycleImages = recycleImages
        self.imagePool = imagePool
        order = settings.shuffle ? Self.permutation(count: source.count, seed: settings.seed, epoch: epoch) : Array(0..<source.count)
        batchCount = InputStages<Output>.batchCount(samples: source.count, settings: settings)
        let p = settings.prefetch
        window = BoundedQueue(name: "window", capacity: settings.reorderWindow)
        rawQueue = BoundedQueue(name: "read->augment", capacity: p)
        augmentedQueue = BoundedQueue(name: "augment->pack", capacity: p)
        packedQueue = BoundedQueue(name: "pack->upload", capacity: p)
        outputQueue = BoundedQueue(name: "upload->consumer", capacity: p)
        workersLeft = settings.workers
    }

    /// The epoch's order: a Fisher-Yates shuffle driven by (seed, epoch) alone.
    static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var order = Array(0..<count)
        var random = CounterRandom(seed, UInt64(truncatingIfNeeded: epoch), 0, CounterRandom.Purpose.shuffle.rawValue)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        }
        return order
    }

    func start() {
        launch("read") { try self.read() }
        for _ in 0..<settings.workers { launch("augment") { try self.augment() } }
        launch("pack") { try self.pack() }
        launch("upload") { try self.uploadStage() }
    }

    // MARK: consumer side

    func next() throws -> Output? {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let item: Output?
        do {
            item = try outputQueue.take()
        } catch {
            stop(error as? InputStageError ?? .stage("consumer", error))
            throw firstErrorOrCancelled
        }
        lock.lock()
        consumerWait += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        if item != nil {
            inFlight -= 1
            delivered += 1
        } else if finished == nil {
            finished = DispatchTime.now().uptimeNanoseconds
        }
        lock.unlock()
        if item == nil { group.wait() }
        return item
    }

    /// Stops every stage with `reason` (the first reason wins) and waits for all threads to end.
    func stop(_ reason: InputStageError) {
        record(reason)
        group.wait()
    }

    var threadsRunning: Int {
        lock.lock()
        defer { lock.unlock() }
        return runningThreads
    }

    var statistics: InputStageStatistics {
        lock.lock()
        defer { lock.unlock() }
        var s = InputStageStatistics(epoch: epoch)
        s.batches = delivered
        s.images = deliveredImages
        s.wallSeconds = Double((finished ?? DispatchTime.now().uptimeNanoseconds) - started) / 1e9
        s.consumerWaitSeconds = consumerWait
        s.maxBatchesInFlight = maxInFlight
        s.stages = [("read", 1), ("augment", settings.workers), ("pack", 1), ("upload", 1)]
            .map { InputStageStatistics.Stage(name: $0.0, threads: $0.1, busySeconds: busy[$0.0] ?? 0) }
        s.queues = [rawQueue.statistics, augmentedQueue.statistics, packedQueue.statistics, outputQueue.statistics]
        return s
    }

    // MARK: stages

    private func read() throws {
        let size = settings.batchSize
        for index in 0..<batchCount {
            try window.put(())
            let t0 = DispatchTime.now().uptimeNanoseconds
            var lower = index * size, upper = min(order.count, lower + size)
            if !settings.shard.isWhole, let share = settings.shard.positions(ofBatch: index, batchSize: size, samples: order.count,
                                                                            dropLast: settings.dropLast) {
                (lower, upper) = (share.lowerBound, share.upperBound)
            }
            let samples = Array(order[lower..<upper])
            let labels = samples.map { Int32(source.label(at: $0)) }
            lock.lock()
            busy["read", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            inFlight += 1
            maxInFlight = max(maxInFlight, inFlight)
            lock.unlock()
            try rawQueue.put(SampleBatch(index: index, labels: labels, sampleIndices: samples))
        }
        rawQueue.close()
    }

    private func augment() throws {
        defer {
            lock.lock()
            workersLeft -= 1
            let last = workersLeft == 0
            lock.unlock()
            if last { augmentedQueue.close() }
        }
        var busySeconds = 0.0
        defer {
            lock.lock()
            busy["augment", default: 0] += busySeconds
            lock.unlock()
        }
        // One image of raw pixels at a time stays in this worker's cache.
        let imageValues = source.imageSize.pixelsPerImage
        let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: imageValues)
        defer { pixels.deallocate() }
        while let raw = try rawQueue.take() {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let n = raw.labels.count
            var images = imagePool.take(count: n * imageValues)
            try images.withUnsafeMutableBufferPointer { output in
                for j in 0..<n {
                    if j & 31 == 0 && isStopped { throw firstErrorOrCancelled }
                    source.copyPixels(at: raw.sampleIndices[j], into: pixels)
                    try transform.transform(pixels: pixels, epoch: epoch, sampleIndex: raw.sampleIndices[j],
                                            into: output.baseAddress! + j * imageValues)
                }
            }
            busySeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            try augmentedQueue.put(HostBatch(epoch: epoch, index: raw.index, count: n, images: images,
                                             labels: raw.labels, sampleIndices: raw.sampleIndices))
        }
    }

    private func pack() throws {
        var pending: [Int: HostBatch] = [:]
        var nextIndex = 0
        var busySeconds = 0.0
        defer {
            lock.lock()
            busy["pack", default: 0] += busySeconds
            lock.unlock()
        }
        while let batch = try augmentedQueue.take() {
            let t0 = DispatchTime.now().uptimeNanoseconds
            pending[batch.index] = batch
            busySeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            while let ready = pending.removeValue(forKey: nextIndex) {
                try packedQueue.put(ready)
                _ = try window.take()
                nextIndex += 1
            }
        }
        guard nextIndex == batchCount else {
            throw InternalError(description: "pack: got \(nextIndex) of \(batchCount) batches")
        }
        packedQueue.close()
    }

    private func uploadStage() throws {
        var busySeconds = 0.0
        defer {
            lock.lock()
            busy["upload", default: 0] += busySeconds
            lock.unlock()
        }
        while let batch = try packedQueue.take() {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let output = try upload(batch)
            if recycleImages { imagePool.give(batch.images) }
            busySeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            lock.lock()
            deliveredImages += batch.count
            lock.unlock()
            try outputQueue.put(output)
        }
        outputQueue.close()
    }

    // MARK: plumbing

    private func launch(_ stage: String, _ body: @escaping () throws -> Void) {
        group.enter()
        lock.lock()
        runningThreads += 1
        lock.unlock()
        let thread = Thread { [self] in
            defer {
                lock.lock()
                runningThreads -= 1
                lock.unlock()
                group.leave()
            }
            do {
                try body()
            } catch let error as InputStageError {
                record(error)
            } catch is CancellationError {
                record(.cancelled)
            } catch {
                record(.stage(stage, error))
            }
        }
        thread.name = "conveyor.input.\(stage)"
        thread.start()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private var firstErrorOrCancelled: InputStageError {
        lock.lock()
        defer { lock.unlock() }
        return firstError ?? .cancelled
    }

    /// Keeps the first error and fails every queue with it, which wakes every stage.
    private func record(_ error: InputStageError) {
        lock.lock()
        if firstError == nil { firstError = error }
        stopped = true
        let reason = firstError!
        lock.unlock()
        for queue in [window.fail, rawQueue.fail, augmentedQueue.fail, packedQueue.fail, outputQueue.fail] as [(Error) -> Void] {
            queue(reason)
        }
    }

    struct InternalError: Error, CustomStringConvertible { let description: String }
}
