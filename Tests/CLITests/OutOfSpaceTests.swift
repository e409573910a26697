import Foundation
import XCTest

/// Writes that run out of space (issue 27), made with a file-size limit: each command runs as a
/// child of bash with `ulimit -f` and SIGXFSZ ignored, so that a write past the limit fails with
/// EFBIG as on a full disk instead of killing the process. The limit is above what PoCL writes
/// while it compiles kernels (a few MiB), so only the command's own output crosses it.
final class OutOfSpaceTests: XCTestCase {
    /// An fc layer of 4096 x 256 makes a checkpoint of 8 MiB (weights and momentum).
    static let pipeline = """
        name: big
        data: {source: synthetic, synthetic_train: 64, synthetic_validation: 256}
        model:
          - conv: {filters: 4, size: 3, padding: 1}
          - relu
          - fc: {outputs: 256}
          - relu
          - fc: {outputs: 10}
        optimizer: {lr: 0.05, momentum: 0.9}
        train: {epochs: 1, batch: 32, seed: 3}
        checkpoint: {folder: runs, interval: 1, keep: 2}

        """
    static let limitKiB = 6144

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-space-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.pipeline.write(to: folder.appendingPathComponent("big.yaml"), atomically: true, encoding: .utf8)
    }

    func trainBig() throws {
        let trained = try ConveyorProcess.run(["train", "big.yaml"], directory: folder)
        XCTAssertEqual(trained.status, 0, trained.stderr)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// `conveyor ARGUMENTS` with files limited to `limitKiB`.
    func limited(_ arguments: [String], kib: Int = OutOfSpaceTests.limitKiB) throws -> ConveyorProcess.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "trap '' XFSZ; ulimit -f \(kib); exec \"$0\" \"$@\"", ConveyorProcess.binary.path] + arguments
        process.currentDirectoryURL = folder
        process.environment = ConveyorProcess.baseEnvironment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return .init(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Every file under the folder (but run.lock, whose PID changes) with its bytes.
    func snapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        while let relative = enumerator?.nextObject() as? String {
            let url = folder.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  !relative.hasSuffix("run.lock") else { continue }
            files[relative] = try Data(contentsOf: url)
        }
        return files
    }

    func assertNoTemporaryFiles(file: StaticString = #filePath, line: UInt = #line) throws {
        let names = try snapshot().keys.filter { $0.contains(".tmp-") }
        XCTAssertTrue(names.isEmpty, "temporary files left: \(names)", file: file, line: line)
    }

    func testACheckpointSaveThatRunsOutOfSpaceStopsTheRunAndKeepsEverything() throws {
        try trainBig()
        let before = try snapshot()
        let result = try limited(["resume", "runs/big", "--set", "train.epochs=2"])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("could not save the checkpoint: no space left to write "), result.stderr)
        XCTAssertTrue(result.stderr.contains("runs/big/last.h5"), "says where: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("conveyor resume"), result.stderr)
        XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("crashed"), result.stderr)
        try assertNoTemporaryFiles()
        let after = try snapshot()
        for (name, bytes) in before { XCTAssertEqual(after[name], bytes, "\(name) changed") }
        // Only the new run's (empty) event file is new.
        XCTAssertTrue(Set(after.keys).subtracting(before.keys).allSatisfy { $0.contains("events.out.tfevents") },
                      "\(Set(after.keys).subtracting(before.keys))")
    }

    func testExportPlotAndActivationsThatRunOutOfSpaceLeaveNoFile() throws {
        try trainBig()
        let cases: [(arguments: [String], out: String, kib: Int)] = [
            (["export", "runs/big/last.h5", "--out", "big.onnx"], "big.onnx", 1024),
            (["plot", "runs/big", "--out", "curves.png"], "curves.png", 4),
            (["activations", "runs/big/last.h5", "--count", "256", "--out", "acts.h5"], "acts.h5", Self.limitKiB),
        ]
        for item in cases {
            let result = try limited(item.arguments, kib: item.kib)
            XCTAssertEqual(result.status, 1, "\(item.arguments): \(result.stdout) \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("no space left to write \(item.out)"), "\(item.arguments): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(item.out).path), item.out)
            try assertNoTemporaryFiles()
        }
    }

    /// 1024 filters of 7x7 make a filter image of about 200 KiB a epoch, so the event file
    /// crosses the limit after about 25 epochs while each checkpoint stays at 1.3 MiB.
    func testAnEventFileThatCannotBeWrittenWarnsOnceAndTrainingGoesOn() throws {
        let pipeline = """
            name: ev
            data: {source: synthetic, synthetic_train: 32, synthetic_validation: 0}
            model:
              - conv: {filters: 1024, size: 7, stride: 5}
              - relu
              - global_avgpool
              - fc: {outputs: 10}
            optimizer: {lr: 0.05, momentum: 0.9}
            train: {epochs: 30, batch: 32, seed: 3}
            checkpoint: {folder: runs, interval: 1, keep: 1, filter_image_interval: 1}

            """
        try pipeline.write(to: folder.appendingPathComponent("ev.yaml"), atomically: true, encoding: .utf8)
        let result = try limited(["train", "ev.yaml"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let warnings = result.stderr.components(separatedBy: "warning: the TensorBoard event file in ").count - 1
        XCTAssertEqual(warnings, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("File too large"), result.stderr)
        let metrics = try String(contentsOf: folder.appendingPathComponent("runs/ev/metrics.csv"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 31, "every epoch's row")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs/ev/epoch-030.h5").path))
    }
}
