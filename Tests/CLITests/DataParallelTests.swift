import Checkpoints
import Foundation
import XCTest

/// `mpirun -np 2 conveyor train`: two ranks at a local batch of 32 train the weights one process
/// trains at 64 (within float rounding), with and without synchronised batch norm; a checkpoint of
/// two ranks resumes in one; a batch that does not divide is refused; a failing rank ends every
/// rank with its message instead of a hang. Skipped when `mpirun` is not installed.
final class DataParallelTests: XCTestCase {
    static func pipeline(name: String, batchNorm: Bool = false, sync: Bool = false, batch: Int = 64, epochs: Int = 2,
                         lr: Double = 0.05) -> String {
        """
        name: \(name)
        data: {source: synthetic, synthetic_train: 256, synthetic_validation: 64}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
        \(batchNorm ? "  - batchnorm\n" : "")  - relu
          - maxpool: {size: 2}
          - fc: {outputs: 10}
        optimizer: {lr: \(lr), momentum: 0.9, weight_decay: 0.0005}
        train: {epochs: \(epochs), batch: \(batch), seed: 7\(sync ? ", sync_batchnorm: true" : "")}
        checkpoint: {folder: runs, interval: 1, keep: 3}

        """
    }

    var folder: URL!

    override func setUpWithError() throws {
        _ = try MPIRun.requireMPIRun()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    func write(_ text: String, _ name: String) throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func checkpoint(_ run: String, _ file: String = "last.h5") throws -> Checkpoint {
        try CheckpointFile.load(from: folder.appendingPathComponent("runs/\(run)/\(file)").path)
    }

    /// Every weight and layer state of `a` within `tolerance` of `b`'s, and every momentum
    /// tensor within 10 x `tolerance` (a running sum of gradients, ~1/lr times larger than the
    /// weights' change, so its rounding differences are larger too).
    func assertClose(_ a: Checkpoint, _ b: Checkpoint, tolerance: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.step, b.step, "steps", file: file, line: line)
        let pairs = zip(a.layers, b.layers).map { ($0, $1, tolerance) } + zip(a.optimizer, b.optimizer).map { ($0, $1, 10 * tolerance) }
        for (x, y, tolerance) in pairs {
            XCTAssertEqual(x.name, y.name, file: file, line: line)
            for (name, tensor) in x.tensors {
                guard let other = y.tensors[name] else { return XCTFail("\(y.name).\(name) missing", file: file, line: line) }
                let difference = zip(tensor.values, other.values).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(difference, tolerance, "\(x.name).\(name)", file: file, line: line)
            }
        }
    }

    func trainOneAndTwo(batchNorm: Bool, sync: Bool, epochs: Int = 2, lr: Double = 0.05) throws -> (one: Checkpoint, two: Checkpoint) {
        try write(Self.pipeline(name: "one", batchNorm: batchNorm, sync: sync, epochs: epochs, lr: lr), "one.yaml")
        try write(Self.pipeline(name: "two", batchNorm: batchNorm, sync: sync, epochs: epochs, lr: lr), "two.yaml")
        let one = try ConveyorProcess.run(["train", "one.yaml"], environment: MPIRun.environment, directory: folder)
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try MPIRun.run(ranks: 2, ["train", "two.yaml"], directory: folder)
        XCTAssertFalse(two.timedOut, "mpirun hung:\n\(two.stderr)")
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertTrue(two.stdout.contains("data-parallel: 2 ranks, 32 images each per step"), two.stdout)
        // Rank 0 alone prints: one line per epoch, not two.
        XCTAssertEqual(two.stdout.components(separatedBy: "epoch \(epochs)/\(epochs)  train loss").count, 2, two.stdout)
        return (try checkpoint("one"), try checkpoint("two"))
    }

    func testTwoRanksOf32TrainTheWeightsOfOneProcessAt64() throws {
        let (one, two) = try trainOneAndTwo(batchNorm: false, sync: false)
        assertClose(one, two)
    }

    /// Four steps: batch norm amplifies float rounding (a different summation order of the
    /// statistics) step after step, about x10 per epoch at this learning rate, so a longer
    /// comparison needs a looser tolerance; per-rank statistics differ by ~1e-3 after one step.
    func testSynchronisedBatchNormOfTwoRanksEqualsOneProcess() throws {
        let (one, two) = try trainOneAndTwo(batchNorm: true, sync: true, epochs: 1, lr: 0.02)
        // Includes the running mean and variance, which every rank must hold alike.
        assertClose(one, two)
    }

    func testCheckpointOfTwoRanksResumesInOneProcess() throws {
        try write(Self.pipeline(name: "whole", epochs: 3), "whole.yaml")
        try write(Self.pipeline(name: "split", epochs: 3), "split.yaml")
        let whole = try ConveyorProcess.run(["train", "whole.yaml"], environment: MPIRun.environment, directory: folder)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let two = try MPIRun.run(ranks: 2, ["train", "split.yaml", "--set", "train.epochs=2"], directory: folder)
        XCTAssertEqual(two.status, 0, two.stderr)
        let resumed = try ConveyorProcess.run(["resume", "runs/split", "--set", "train.epochs=3"], environment: MPIRun.environment,
                                              directory: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let final = try checkpoint("split")
        XCTAssertEqual(final.epoch, 3)
        assertClose(try checkpoint("whole"), final)
    }

    /// Stopped and resumed with the same number of ranks, a run ends with the weights of one
    /// never stopped, bit for bit (same data order, same reduction order).
    func testTwoRankRunResumedWithTwoRanksIsExact() throws {
        try write(Self.pipeline(name: "straight", batchNorm: true, epochs: 3), "straight.yaml")
        try write(Self.pipeline(name: "stopped", batchNorm: true, epochs: 3), "stopped.yaml")
        let straight = try MPIRun.run(ranks: 2, ["train", "straight.yaml"], directory: folder)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let first = try MPIRun.run(ranks: 2, ["train", "stopped.yaml", "--set", "train.epochs=2"], directory: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try MPIRun.run(ranks: 2, ["resume", "runs/stopped", "--set", "train.epochs=3"], directory: folder)
        XCTAssertEqual(second.status, 0, second.stderr)
        let a = try checkpoint("straight"), b = try checkpoint("stopped")
        XCTAssertEqual(a.layers, b.layers)
        XCTAssertEqual(a.optimizer, b.optimizer)
    }

    func testBenchUnderMPIRunReportsAllReduceTime() throws {
        try write(Self.pipeline(name: "bench"), "bench.yaml")
        let result = try MPIRun.run(ranks: 2, ["bench", "bench.yaml", "--steps", "3"], directory: folder, timeout: 90)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("data-parallel: 2 ranks of 32 images; per step"), result.stdout)
        XCTAssertEqual(result.stdout.components(separatedBy: "training: ").count, 2, "rank 0 alone reports:\n\(result.stdout)")
    }

    func testBatchThatDoesNotDivideAmongTheRanksIsRefused() throws {
        try write(Self.pipeline(name: "odd", batch: 63), "odd.yaml")
        let result = try MPIRun.run(ranks: 2, ["train", "odd.yaml"], directory: folder, timeout: 60)
        XCTAssertFalse(result.timedOut, "mpirun hung:\n\(result.stderr)")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("the batch of 63 does not divide among 2 processes"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs/odd/last.h5").path))
    }

    /// Rank 1 reads a data folder that does not exist while rank 0 starts training: mpirun must
    /// end non-zero with rank 1's message, not wait forever in rank 0's first all-reduce.
    func testFailingRankEndsEveryRank() throws {
        try write(Self.pipeline(name: "good"), "good.yaml")
        let bad = Self.pipeline(name: "good").replacingOccurrences(
            of: "data: {source: synthetic, synthetic_train: 256, synthetic_validation: 64}",
            with: "data: {source: cifar10, path: no-such-folder}")
        try write(bad, "bad.yaml")
        let result = try MPIRun.run(programs: [(1, ["train", "good.yaml"]), (1, ["train", "bad.yaml"])], directory: folder, timeout: 90)
        XCTAssertFalse(result.timedOut, "mpirun hung:\n\(result.stderr)")
        XCTAssertNotEqual(result.status, 0, result.stdout)
        XCTAssertTrue(result.stderr.contains("rank 1 of 2: error:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("no-such-folder"), result.stderr)
    }

    /// Ctrl-C to mpirun (which passes SIGTERM on to the ranks): every rank stops after the same
    /// step, rank 0 alone saves last.h5 once, and the job ends non-zero without a hang.
    func testSignalToMPIRunSavesOnceAndStopsEveryRank() throws {
        try write(Self.pipeline(name: "long", epochs: 50).replacingOccurrences(of: "synthetic_train: 256", with: "synthetic_train: 1024"),
                  "long.yaml")
        let result = try MPIRun.run(ranks: 2, ["train", "long.yaml"], directory: folder, timeout: 120,
                                    signal: (SIGINT, { $0.contains("epoch 1/50  train loss") }))
        XCTAssertFalse(result.timedOut, "mpirun hung:\n\(result.stderr)")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stdout.components(separatedBy: "stopped by signal").count, 2, result.stdout + result.stderr)
        let saved = try checkpoint("long")
        XCTAssertGreaterThan(saved.step, 0)
        XCTAssertLessThan(saved.epoch, 50)
    }

    func testSyncBatchNormWithoutBatchNormLayerIsRefused() throws {
        try write(Self.pipeline(name: "nobn", sync: true), "nobn.yaml")
        let result = try ConveyorProcess.run(["train", "nobn.yaml"], directory: folder)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("sync_batchnorm is true but the model has no batchnorm layer"), result.stderr)
    }
}
