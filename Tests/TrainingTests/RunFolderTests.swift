import Checkpoints
import Foundation
import PipelineConfig
import Training
import XCTest

/// The run folder's rules without a device: the lock, refusing a second run, `--force`, the
/// newest complete checkpoint, clean-up of killed saves, metrics rewritten on resume, and the
/// completion of a save cut short after `last.h5`.
final class RunFolderTests: XCTestCase {
    var root: URL!
    var config: PipelineConfig!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("runfolder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var checkpoint = CheckpointSettings()
        checkpoint.folder = root.path
        checkpoint.keep = 2
        config = PipelineConfig(name: "r", model: [], checkpoint: checkpoint)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    var folder: URL { root.appendingPathComponent("r") }

    func metrics(_ epochs: Int, best: Int? = nil) -> [EpochMetrics] {
        (1...max(epochs, 1)).prefix(epochs).map {
            EpochMetrics(epoch: $0, trainLoss: 1, trainAccuracy: 0.5, validationLoss: 1,
                         validationAccuracy: $0 == best ? 0.9 : 0.1 * Double($0) / 10, learningRate: 0.1,
                         imagesPerSecond: 1, seconds: 1)
        }
    }

    func checkpoint(epoch: Int, stepsPerEpoch: Int = 10, best: Int? = nil) -> Checkpoint {
        Checkpoint(epoch: UInt64(epoch), step: UInt64(epoch * stepsPerEpoch), seed: 1, config: "name: r",
                   layers: [.init(name: "fc1", tensors: ["weight": .init(shape: [2], values: [Float(epoch), 1])])],
                   metrics: metrics(epoch, best: best))
    }

    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    func testLockRefusesASecondClaimAndNamesTheHolder() throws {
        let first = try RunFolder(config: config, mode: .new)
        XCTAssertThrowsError(try RunFolder(config: config, mode: .new)) { error in
            XCTAssertTrue("\(error)".contains("is in use: process \(getpid())"), "\(error)")
        }
        withExtendedLifetime(first) {}
    }

    func testNewRunIntoAnOldOneIsRefusedAndForceDeletesIt() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try CheckpointFile.save(checkpoint(epoch: 2), to: folder.appendingPathComponent("last.h5").path)
        try "epoch\n".write(to: folder.appendingPathComponent("metrics.csv"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunFolder(config: config, mode: .new)) { error in
            XCTAssertTrue("\(error)".contains("already holds a run (last.h5, metrics.csv; newest checkpoint last.h5 at epoch 2"), "\(error)")
        }
        XCTAssertEqual(try names(), ["last.h5", "metrics.csv", "run.lock"], "the refusal changes nothing")
        let forced = try RunFolder(config: config, mode: .force)
        XCTAssertEqual(try names(), ["run.lock"])
        XCTAssertTrue(forced.notes.joined().contains("deleted the earlier run"))
    }

    func testNewestCompleteCheckpointAndTemporariesRemoved() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try CheckpointFile.save(checkpoint(epoch: 2), to: folder.appendingPathComponent("epoch-002.h5").path)
        try CheckpointFile.save(checkpoint(epoch: 3), to: folder.appendingPathComponent("last.h5").path)
        try Data("cut short".utf8).write(to: folder.appendingPathComponent("epoch-004.h5"))
        try Data("partial".utf8).write(to: folder.appendingPathComponent("best.h5.tmp-99999"))
        let newest = try RunFolder.newestCheckpoint(in: folder)
        XCTAssertEqual((newest.path as NSString).lastPathComponent, "last.h5")
        XCTAssertEqual(newest.checkpoint.epoch, 3)
        XCTAssertEqual(newest.skipped.count, 1, "the damaged epoch-004.h5 is passed over and named")
        XCTAssertTrue(newest.skipped[0].hasPrefix("epoch-004.h5"))

        let claimed = try RunFolder(config: config, mode: .resume(checkpoint: newest.path, force: false))
        XCTAssertFalse(try names().contains("best.h5.tmp-99999"))
        XCTAssertTrue(claimed.notes.joined().contains("removed 1 temporary file"))
    }

    func testResumingAnOlderCheckpointIsRefusedUnlessForced() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let older = folder.appendingPathComponent("epoch-002.h5").path
        try CheckpointFile.save(checkpoint(epoch: 2), to: older)
        try CheckpointFile.save(checkpoint(epoch: 3), to: folder.appendingPathComponent("last.h5").path)
        XCTAssertThrowsError(try RunFolder(config: config, mode: .resume(checkpoint: older, force: false))) { error in
            XCTAssertTrue("\(error)".contains("is newer than"), "\(error)")
        }
        XCTAssertNoThrow(try RunFolder(config: config, mode: .resume(checkpoint: older, force: true)))
    }

    func testResumeRewritesMetricsAndCompletesACutShortSave() throws {
        let claimed = try RunFolder(config: config, mode: .new)
        // Killed after last.h5 of epoch 3 (its best epoch) was saved, before epoch-003.h5 and best.h5;
        // metrics.csv has a row of an epoch after the checkpoint.
        let saved = checkpoint(epoch: 3, best: 3)
        try CheckpointFile.save(saved, to: folder.appendingPathComponent("last.h5").path)
        try CheckpointFile.save(checkpoint(epoch: 1), to: folder.appendingPathComponent("epoch-001.h5").path)
        try CheckpointFile.save(checkpoint(epoch: 2), to: folder.appendingPathComponent("epoch-002.h5").path)
        try CheckpointFile.save(checkpoint(epoch: 2), to: folder.appendingPathComponent("best.h5").path)
        try MetricsLog(folder: folder).rewrite(metrics(4))
        try claimed.resetMetrics(to: saved.metrics)
        try claimed.completeInterruptedSave(saved, stepsPerEpoch: 10, interval: 1, keep: 2)

        let rows = try String(contentsOf: folder.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 4, "the header and epochs 1 to 3, once each")
        XCTAssertEqual(rows.dropFirst().map { $0.split(separator: ",")[0] }, ["1", "2", "3"])
        XCTAssertEqual(try names(), ["best.h5", "epoch-002.h5", "epoch-003.h5", "last.h5", "metrics.csv", "run.lock"],
                       "epoch-003.h5 written, epoch-001.h5 pruned to keep 2")
        XCTAssertEqual(try CheckpointFile.load(from: folder.appendingPathComponent("best.h5").path).epoch, 3)
        XCTAssertEqual(try CheckpointFile.load(from: folder.appendingPathComponent("epoch-003.h5").path), saved)
    }

    func testRunFolderUnderAFileSaysWhichPath() throws {
        let file = root.appendingPathComponent("plain")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        var blocked = config!
        blocked.checkpoint.folder = file.appendingPathComponent("runs").path
        XCTAssertThrowsError(try RunFolder(config: blocked, mode: .new)) { error in
            XCTAssertTrue("\(error)".contains("\(file.path) is a file, not a folder"), "\(error)")
        }
    }
}
