import Foundation
import XCTest

/// The main job end to end, as a user runs it: train, stop with Ctrl-C, resume, evaluate,
/// export filters and activations, plan and bench, and the errors a user sees.
final class TrainCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try pipeline(epochs: 2).write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func pipeline(epochs: Int) -> String {
        """
        name: tiny
        data: {source: synthetic, synthetic_train: 640, synthetic_validation: 128}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
          - batchnorm
          - relu
          - maxpool: {size: 2}
          - conv: {filters: 8, size: 3, padding: 1}
          - relu
          - global_avgpool
          - fc: {outputs: 10}
        optimizer: {lr: 0.05, momentum: 0.9}
        train: {epochs: \(epochs), batch: 32, seed: 3}
        checkpoint: {folder: runs, interval: 1, keep: 1}
        """
    }

    func run(_ arguments: [String]) throws -> ConveyorProcess.Result {
        try ConveyorProcess.run(arguments, directory: folder)
    }

    func testTrainEvaluateFiltersActivations() throws {
        let train = try run(["train", "tiny.yaml", "--device", "cpu"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("batch 32 (from the pipeline), learning rate 0.05"), train.stdout)
        XCTAssertTrue(train.stdout.contains("epoch 2/2"), train.stdout)
        for name in ["last.h5", "best.h5", "epoch-002.h5", "metrics.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs/tiny/\(name)").path), name)
        }

        let evaluate = try run(["evaluate", "runs/tiny/last.h5", "--tta", "flip", "--json"])
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["images"] as? Int, 128)
        XCTAssertEqual((report["confusion"] as? [[Int]])?.count, 10)
        XCTAssertEqual(report["test_time_augmentation"] as? String, "flip")

        let filters = try run(["filters", "runs/tiny/last.h5", "--out", "conv1.png", "--scale", "4"])
        XCTAssertEqual(filters.status, 0, filters.stderr)
        let png = try Data(contentsOf: folder.appendingPathComponent("conv1.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertTrue(filters.stdout.contains("8 filters of conv1"), filters.stdout)

        let activations = try run(["activations", "runs/tiny/last.h5", "--count", "4", "--out", "acts.h5"])
        XCTAssertEqual(activations.status, 0, activations.stderr)
        let python = "/usr/bin/python3"
        if FileManager.default.isExecutableFile(atPath: python) {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: python)
            check.arguments = ["-c", """
                import h5py, sys
                f = h5py.File(sys.argv[1], 'r')
                assert f['input'].shape == (4, 3, 32, 32), f['input'].shape
                assert f['labels'].shape == (4,)
                assert f['activations/conv1'].shape == (4, 8, 32, 32)
                assert f['activations/fc1'].shape == (4, 10, 1, 1)
                """, folder.appendingPathComponent("acts.h5").path]
            try check.run()
            check.waitUntilExit()
            if check.terminationStatus != 0 && !FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/h5py") {
                throw XCTSkip("h5py is not installed for /usr/bin/python3")
            }
            XCTAssertEqual(check.terminationStatus, 0, "the activation dump has the documented names and shapes")
        }
    }

    func testCtrlCSavesAndResumeFinishes() throws {
        try pipeline(epochs: 30).write(to: folder.appendingPathComponent("long.yaml"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = ConveyorProcess.binary
        process.arguments = ["train", "long.yaml"]
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the first epoch's checkpoint, then interrupt mid-training.
        let last = folder.appendingPathComponent("runs/tiny/last.h5")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: last.path) && Date() < deadline { usleep(100_000) }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130, "Ctrl-C saves and exits with 128 + SIGINT")
        let resume = try run(["resume", "runs/tiny/last.h5", "--set", "train.epochs=3"])
        if resume.stderr.contains("already trained") {
            // Stopped after epoch 3 already: the refusal is the documented behaviour.
            XCTAssertNotEqual(resume.status, 0)
        } else {
            XCTAssertEqual(resume.status, 0, resume.stderr)
            XCTAssertTrue(resume.stdout.contains("epoch 3/3"), resume.stdout)
        }
    }

    func testConfigTypoIsAClearErrorWithNonZeroExit() throws {
        try pipeline(epochs: 1).replacingOccurrences(of: "optimizer: {lr:", with: "optimizer: {learning_rate:")
            .write(to: folder.appendingPathComponent("typo.yaml"), atomically: true, encoding: .utf8)
        let result = try run(["train", "typo.yaml"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("typo.yaml:12"), result.stderr)
        XCTAssertTrue(result.stderr.contains("did you mean 'lr'"), result.stderr)
        let missing = try run(["train", "tiny.yaml", "--set", "data.source=cifar10", "--set", "data.path=nowhere"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("conveyor data cifar10"), missing.stderr)
        let device = try run(["train", "tiny.yaml", "--device", "no-such-device"])
        XCTAssertNotEqual(device.status, 0)
        XCTAssertTrue(device.stderr.contains("no OpenCL device matches"), device.stderr)
    }

    func testPlanAndBenchPrintJSON() throws {
        let plan = try run(["plan", "tiny.yaml", "--batch", "auto", "--memory-limit", "256MiB", "--json"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let batch = try XCTUnwrap(report["batch"] as? Int)
        XCTAssertEqual(batch % 8, 0)
        XCTAssertTrue((8...640).contains(batch), "capped by the training split: \(batch)")
        XCTAssertLessThanOrEqual(report["total_bytes"] as? Int ?? .max, Int(0.9 * 256 * 1024 * 1024))

        let tooLarge = try run(["plan", "tiny.yaml", "--batch", "640", "--memory-limit", "8MiB"])
        XCTAssertNotEqual(tooLarge.status, 0)
        XCTAssertTrue(tooLarge.stderr.contains("the largest batch that fits is"), tooLarge.stderr)

        let bench = try run(["bench", "tiny.yaml", "--steps", "2", "--layers", "--input", "--reference", "--json"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        let figures = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        XCTAssertGreaterThan(figures["images_per_second"] as? Double ?? 0, 0)
        XCTAssertEqual((figures["layers"] as? [Any])?.count, 8)
        XCTAssertGreaterThan(figures["input_images_per_second"] as? Double ?? 0, 0)
        let reference = try XCTUnwrap(figures["reference"] as? [String: Any], "the OpenBLAS reference path's figures")
        XCTAssertGreaterThan(reference["images_per_second"] as? Double ?? 0, 0)
    }
}
