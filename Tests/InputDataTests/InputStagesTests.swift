import InputData
import Dispatch
import Foundation
import XCTest

final class InputStagesTests: XCTestCase {
    let source = SyntheticDataset(seed: 3, count: 530)
    let augment = AugmentSettings(translate: 4, flip: true, cutout: 8, normalization: .meanStd(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]))

    func batches(workers: Int, epoch: Int, settings: InputStageSettings? = nil) throws -> [HostBatch] {
        let augmenter = try Augmenter(settings: augment, seed: 11)
        var s = settings ?? .training(batchSize: 64, workers: workers, prefetch: 2, seed: 5)
        s.workers = workers
        let stages = InputStages(source: source, transform: augmenter, settings: s)
        stages.start(epoch: epoch)
        var out: [HostBatch] = []
        while let batch = try stages.next() { out.append(batch) }
        XCTAssertEqual(stages.runningThreads, 0)
        return out
    }

    func testOneAndFourWorkersGiveBitwiseIdenticalBatches() throws {
        let one = try batches(workers: 1, epoch: 2), four = try batches(workers: 4, epoch: 2)
        XCTAssertEqual(one.count, 530 / 64)
        XCTAssertEqual(one.map(\.index), Array(0..<8))
        for (a, b) in zip(one, four) {
            XCTAssertEqual(a.sampleIndices, b.sampleIndices)
            XCTAssertEqual(a.labels, b.labels)
            XCTAssertEqual(a.images.map(\.bitPattern), b.images.map(\.bitPattern))
        }
        // A shuffled epoch is a permutation, and the next epoch differs.
        let all = one.flatMap(\.sampleIndices)
        XCTAssertEqual(Set(all).count, all.count)
        XCTAssertNotEqual(all, try batches(workers: 2, epoch: 3).flatMap(\.sampleIndices))
    }

    func testRecycledStagingBuffersGiveTheSameBatchesAsFreshOnes() throws {
        let expected = try batches(workers: 2, epoch: 1)
        let augmenter = try Augmenter(settings: augment, seed: 11)
        // The upload closure sees pooled buffers, reused once it returns.
        let stages = InputStages(source: source, transform: augmenter,
                                     settings: .training(batchSize: 64, workers: 2, prefetch: 2, seed: 5)) { batch in
            batch.images.map(\.bitPattern)
        }
        for epoch in [0, 1] {
            stages.start(epoch: epoch)
            var uploaded: [[UInt32]] = []
            while let bits = try stages.next() { uploaded.append(bits) }
            if epoch == 1 { XCTAssertEqual(uploaded, expected.map { $0.images.map(\.bitPattern) }) }
        }
    }

    func testEvaluationKeepsTheLastPartialBatchInOrder() throws {
        let out = try batches(workers: 3, epoch: 0, settings: .evaluation(batchSize: 100))
        XCTAssertEqual(out.map(\.count), [100, 100, 100, 100, 100, 30])
        XCTAssertEqual(out.flatMap(\.sampleIndices), Array(0..<530))
        XCTAssertEqual(out.last?.images.count, 30 * 3072)
        XCTAssertEqual(out[1].labels.map(Int.init), (100..<200).map { source.label(at: $0) })
    }

    func testNeverMoreBatchesInFlightThanCapacitiesAllow() throws {
        let augmenter = try Augmenter(settings: augment, seed: 1)
        let settings = InputStageSettings.training(batchSize: 8, workers: 3, prefetch: 2)
        let lock = NSLock()
        var uploaded = 0, consumed = 0, worst = 0
        let stages = InputStages(source: source, transform: augmenter, settings: settings) { batch -> Int in
            lock.lock(); uploaded += 1; worst = max(worst, uploaded - consumed); lock.unlock()
            return batch.index
        }
        stages.start(epoch: 0)
        // A slow consumer lets every queue fill up.
        while let _ = try stages.next() {
            Thread.sleep(forTimeInterval: 0.002)
            lock.lock(); consumed += 1; lock.unlock()
        }
        let stats = try XCTUnwrap(stages.statistics)
        for queue in stats.queues {
            XCTAssertLessThanOrEqual(queue.maxOccupancy, queue.capacity, queue.name)
        }
        XCTAssertEqual(stats.queues.last?.maxOccupancy, 2, "the slow consumer should fill its queue")
        XCTAssertLessThanOrEqual(stats.maxBatchesInFlight, settings.maxBatchesInFlight)
        // Uploaded but not yet consumed: the output queue, the one in the consumer's hands, the one being put.
        XCTAssertLessThanOrEqual(worst, settings.prefetch + 2)
        XCTAssertEqual(stats.batches, 530 / 8)
        XCTAssertTrue(stats.description.contains("upload->consumer"))
    }

    struct Broken: SampleTransform {
        struct Failure: Error, CustomStringConvertible { var description: String { "sample 77 is broken" } }
        func transform(pixels: UnsafePointer<UInt8>, epoch: Int, sampleIndex: Int, into output: UnsafeMutablePointer<Float>) throws {
            if sampleIndex == 77 { throw Failure() }
        }
    }

    func testAugmentErrorReachesTheConsumerNamingTheStage() throws {
        let stages = InputStages(source: source, transform: Broken(), settings: .evaluation(batchSize: 10, workers: 2))
        stages.start(epoch: 0)
        var received = 0
        XCTAssertThrowsError(try { while try stages.next() != nil { received += 1 } }()) { error in
            XCTAssertEqual("\(error)", "augment: sample 77 is broken")
        }
        XCTAssertLessThanOrEqual(received, 7)
        XCTAssertEqual(stages.runningThreads, 0)
        XCTAssertThrowsError(try stages.next())
    }

    func testUploadErrorNamesTheUploadStage() throws {
        struct DeviceFull: Error {}
        let stages = InputStages(source: source, transform: try Augmenter(settings: augment, seed: 0),
                                     settings: .training(batchSize: 16)) { batch -> Int in
            if batch.index == 2 { throw DeviceFull() }
            return batch.index
        }
        stages.start(epoch: 0)
        XCTAssertThrowsError(try { while try stages.next() != nil {} }()) { error in
            XCTAssertTrue("\(error)".hasPrefix("upload: "), "\(error)")
        }
    }

    func testCancelMidEpochReturnsWithinASecondAndThreadsEnd() throws {
        let big = SyntheticDataset(seed: 4, count: 100_000)
        let stages = InputStages(source: big, transform: try Augmenter(settings: augment, seed: 0),
                                     settings: .training(batchSize: 128, workers: 2, prefetch: 2)) { batch -> Int in
            Thread.sleep(forTimeInterval: 0.01)
            return batch.index
        }
        stages.start(epoch: 0)
        _ = try stages.next()
        _ = try stages.next()
        // A consumer blocked in next() on another thread must be woken too.
        let consumerDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while (try? stages.next()) != nil {}
            consumerDone.signal()
        }
        Thread.sleep(forTimeInterval: 0.05)
        let start = Date()
        stages.cancel()
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertEqual(stages.runningThreads, 0)
        XCTAssertEqual(consumerDone.wait(timeout: .now() + 1), .success)
        XCTAssertThrowsError(try stages.next()) { error in
            guard case .cancelled = error as? InputStageError else { return XCTFail("\(error)") }
        }
        // The stages start again after a cancel.
        stages.start(epoch: 1)
        XCTAssertEqual(try stages.next(), 0)
        stages.cancel()
    }
}
