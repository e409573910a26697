import InputData
import XCTest

/// Ranks of a data-parallel run: in training their shares of each global batch are, in rank
/// order, exactly the batch one process draws at the global size (same images, same augmented
/// pixels); in evaluation they cover every image once.
final class DataShardTests: XCTestCase {
    let source = SyntheticDataset(seed: 3, count: 530)
    let augment = AugmentSettings(translate: 4, flip: true, cutout: 8, normalization: .meanStd(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]))

    func batches(_ settings: InputStageSettings, epoch: Int = 2) throws -> [HostBatch] {
        let stages = InputStages(source: source, transform: try Augmenter(settings: augment, seed: 11), settings: settings)
        stages.start(epoch: epoch)
        var out: [HostBatch] = []
        while let batch = try stages.next() { out.append(batch) }
        return out
    }

    func testThreeRanksOfTheGlobalBatchEqualOneProcess() throws {
        let whole = try batches(.training(batchSize: 96, workers: 2, seed: 5))
        let shares = try (0..<3).map { rank -> [HostBatch] in
            var settings = InputStageSettings.training(batchSize: 32, workers: 2, seed: 5)
            settings.shard = DataShard(rank: rank, ranks: 3)
            return try batches(settings)
        }
        XCTAssertEqual(whole.count, 530 / 96)
        for (index, batch) in whole.enumerated() {
            XCTAssertEqual(shares.map(\.count), [whole.count, whole.count, whole.count])
            let joined = shares.map { $0[index] }
            XCTAssertEqual(joined.flatMap(\.sampleIndices), batch.sampleIndices)
            XCTAssertEqual(joined.flatMap(\.images).map(\.bitPattern), batch.images.map(\.bitPattern))
        }
    }

    func testEvaluationSharesCoverEveryImageOnce() throws {
        let shares = try (0..<2).map { rank -> [HostBatch] in
            var settings = InputStageSettings.evaluation(batchSize: 64, workers: 1)
            settings.shard = DataShard(rank: rank, ranks: 2)
            return try batches(settings)
        }
        // 530 images in batches of 64: 9 batches (the last of 18), 5 on rank 0 and 4 on rank 1.
        XCTAssertEqual(shares.map(\.count), [5, 4])
        XCTAssertEqual(shares.flatMap { $0.flatMap(\.sampleIndices) }.sorted(), Array(0..<530))
    }
}
