import Checkpoints
import Foundation
import Training
import XCTest

/// The one home of checkpoint names, pruning and the best-checkpoint rule.
final class CheckpointWriterTests: XCTestCase {
    func row(_ epoch: Int, accuracy: Double) -> EpochMetrics {
        EpochMetrics(epoch: epoch, trainLoss: 1, trainAccuracy: 0.5, validationLoss: 1, validationAccuracy: accuracy,
                     learningRate: 0.1, imagesPerSecond: 1, seconds: 1)
    }

    func testNames() {
        XCTAssertEqual(CheckpointWriter.name(.last, epoch: 7), "last.h5")
        XCTAssertEqual(CheckpointWriter.name(.best, epoch: 7), "best.h5")
        XCTAssertEqual(CheckpointWriter.name(.numbered, epoch: 7), "epoch-007.h5")
        XCTAssertEqual(CheckpointWriter.name(.numbered, epoch: 1234), "epoch-1234.h5")
        XCTAssertTrue(CheckpointWriter.isNumbered("epoch-007.h5"))
        XCTAssertFalse(CheckpointWriter.isNumbered("last.h5"))
        XCTAssertFalse(CheckpointWriter.isNumbered("epoch-007.h5.tmp-12"))
        XCTAssertTrue(CheckpointWriter.isSaveEpoch(4, interval: 2))
        XCTAssertFalse(CheckpointWriter.isSaveEpoch(3, interval: 2))
    }

    /// Better than every earlier epoch with a validation; epochs without one count for nothing.
    func testBestRule() {
        let earlier = [row(1, accuracy: 0.5), row(2, accuracy: .nan), row(3, accuracy: 0.7)]
        XCTAssertTrue(CheckpointWriter.isBest(0.71, earlier: earlier))
        XCTAssertFalse(CheckpointWriter.isBest(0.7, earlier: earlier), "a tie keeps the earlier best")
        XCTAssertFalse(CheckpointWriter.isBest(.nan, earlier: earlier))
        XCTAssertTrue(CheckpointWriter.isBest(0.1, earlier: [row(1, accuracy: .nan)]))
        XCTAssertTrue(CheckpointWriter.isBest(0.1, earlier: []))
    }

    func testSavesKeepTheNewestNumbered() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = CheckpointWriter(folder: folder, keep: 2)
        for epoch in 1...4 {
            let checkpoint = Checkpoint(epoch: UInt64(epoch), step: UInt64(epoch), seed: 1, config: "name: r")
            try writer.save(checkpoint, epoch: epoch, kinds: epoch == 2 ? [.last, .numbered, .best] : [.last, .numbered])
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(names, ["best.h5", "epoch-003.h5", "epoch-004.h5", "last.h5"])
        XCTAssertEqual(CheckpointWriter.numbered(in: folder), ["epoch-003.h5", "epoch-004.h5"])
        XCTAssertEqual(writer.lastSaved?.lastPathComponent, "last.h5")
    }
}
