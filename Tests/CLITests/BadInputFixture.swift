import Checkpoints
import Foundation
import Hashing
import HDF5
import XCTest

/// The folder every bad-input case runs in: a pipeline, an earlier run of it (`runs/tiny`), small
/// CIFAR-10 folders (good and damaged) and damaged checkpoints, made once per test process.
final class BadInputFixture {
    static let shared: Result<BadInputFixture, Error> = Result { try BadInputFixture() }

    let folder: URL
    let pipeline = """
        name: tiny
        data: {source: synthetic, synthetic_train: 320, synthetic_validation: 64}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
          - relu
          - maxpool: {size: 2}
          - global_avgpool
          - fc: {outputs: 10}
        optimizer: {lr: 0.05, momentum: 0.9}
        train: {epochs: 2, batch: 32, seed: 3}
        checkpoint: {folder: runs, interval: 1, keep: 2}

        """
    /// The same network with a residual block around its convolution, for the cases that resume
    /// a residual network's checkpoint with a plain pipeline and the reverse.
    static let residualPipeline = """
        name: tinyres
        data: {source: synthetic, synthetic_train: 320, synthetic_validation: 64}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
          - residual: {body: [conv: {filters: 8, size: 3, padding: 1}, relu]}
          - relu
          - maxpool: {size: 2}
          - global_avgpool
          - fc: {outputs: 10}
        optimizer: {lr: 0.05, momentum: 0.9}
        train: {epochs: 1, batch: 32, seed: 3}
        checkpoint: {folder: runs, interval: 1, keep: 2}

        """

    private init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try write("tiny.yaml", pipeline)
        let train = try ConveyorProcess.run(["train", "tiny.yaml"], directory: folder)
        guard train.status == 0 else { throw FixtureError("the earlier run failed: \(train.stderr)") }
        try write("tinyres.yaml", Self.residualPipeline)
        let residual = try ConveyorProcess.run(["train", "tinyres.yaml"], directory: folder)
        guard residual.status == 0 else { throw FixtureError("the earlier residual run failed: \(residual.stderr)") }
        try makeCIFAR(folder: "data/ok", records: ["data_batch_1.bin": 64, "data_batch_2.bin": 64, "test_batch.bin": 64])
        try makeCheckpoints()
    }

    func url(_ path: String) -> URL { folder.appendingPathComponent(path) }

    func write(_ path: String, _ text: String) throws {
        let target = url(path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: target, atomically: true, encoding: .utf8)
    }

    func writeData(_ path: String, _ data: Data) throws {
        let target = url(path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: target)
    }

    /// CIFAR-10 binary records: a label byte (0...9) and 3072 pixel bytes each.
    static func records(_ count: Int, label: (Int) -> UInt8 = { UInt8($0 % 10) }) -> Data {
        var data = Data(capacity: count * 3073)
        for index in 0..<count {
            data.append(label(index))
            data.append(Data((0..<3072).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) }))
        }
        return data
    }

    func makeCIFAR(folder path: String, records: [String: Int]) throws {
        for (name, count) in records { try writeData("\(path)/\(name)", Self.records(count)) }
    }

    // MARK: checkpoints

    /// ckpt/*.h5: every way a checkpoint can be damaged, made from the earlier run's last.h5.
    private func makeCheckpoints() throws {
        let source = url("runs/tiny/last.h5").path
        let good = try CheckpointFile.load(from: source)
        try FileManager.default.createDirectory(at: url("ckpt"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: url("ckpt/good.h5").path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        try writeData("ckpt/truncated.h5", bytes.prefix(bytes.count / 2))
        try writeData("ckpt/empty.h5", Data())
        try write("ckpt/text.h5", "this is not an HDF5 file\n")

        var nan = good
        nan.layers[0].tensors["weight"]!.values[3] = .nan
        try CheckpointFile.save(nan, to: url("ckpt/nan.h5").path)
        var infinite = good
        infinite.optimizer[0].tensors["weight_momentum"]!.values[0] = .infinity
        try CheckpointFile.save(infinite, to: url("ckpt/inf-momentum.h5").path)
        var shapes = good
        let weight = shapes.layers[0].tensors["weight"]!
        shapes.layers[0].tensors["weight"] = .init(shape: [4, 3, 3, 3], values: Array(weight.values.prefix(108)))
        try CheckpointFile.save(shapes, to: url("ckpt/shapes.h5").path)
        var renamed = good
        renamed.layers[0] = .init(name: "convX", tensors: renamed.layers[0].tensors)
        try CheckpointFile.save(renamed, to: url("ckpt/renamed.h5").path)
        var step = good
        step.step = 1_000_000_000_000_000
        try CheckpointFile.save(step, to: url("ckpt/step.h5").path)
        var epoch = good
        epoch.epoch = 1_000_000_000_000_000
        epoch.step = 1_000_000_000_000_000
        try CheckpointFile.save(epoch, to: url("ckpt/epoch.h5").path)
        var backwards = good
        backwards.step = 1
        try CheckpointFile.save(backwards, to: url("ckpt/backwards.h5").path)
        var batch = good
        batch.state["batch"] = 1_000_000_000_000_000
        try CheckpointFile.save(batch, to: url("ckpt/batch.h5").path)
        var normalization = good
        normalization.normalization = .init(mean: [0.5, 0.5, 0.5], std: [0, 1, 1])
        try CheckpointFile.save(normalization, to: url("ckpt/normalization.h5").path)
        var badConfig = good
        badConfig.config = "name: [unclosed\n"
        try CheckpointFile.save(badConfig, to: url("ckpt/config.h5").path)

        for (name, version) in [("newer.h5", Int64(2)), ("zero.h5", Int64(0))] {
            let file = try HDF5File.create(at: url("ckpt/\(name)").path)
            try file.setAttribute("format", .string(Checkpoint.format))
            try file.setAttribute("version", .int64(version))
            try file.setAttribute("config", .string(good.config))
            try file.close()
        }
        let foreign = try HDF5File.create(at: url("ckpt/foreign.h5").path)
        try foreign.write([Float](repeating: 1, count: 4), shape: [4], to: "/data")
        try foreign.close()
        let noFormat = try HDF5File.create(at: url("ckpt/other-format.h5").path)
        try noFormat.setAttribute("format", .string("keras"))
        try noFormat.close()
        try FileManager.default.createDirectory(at: url("ckpt/folder.h5"), withIntermediateDirectories: true)
        // A run folder whose only checkpoint is damaged, and one with none at all.
        try writeData("broken-run/last.h5", bytes.prefix(100))
        try FileManager.default.createDirectory(at: url("empty-run"), withIntermediateDirectories: true)
    }

    // MARK: hashing

    /// Every file of the folder that an earlier run or a case's inputs own (everything but
    /// `scratch/` and run folders other than `runs/tiny`), with an FNV-1a hash of its bytes.
    func snapshot() throws -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        let root = folder.standardizedFileURL.resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return result }
        while let relative = walker.nextObject() as? String {
            // run.lock holds the PID of the last process that claimed the folder, not data of the run.
            if relative.hasPrefix("scratch") || relative.hasSuffix("/run.lock") { continue }
            if relative.hasPrefix("runs/"), !relative.hasPrefix("runs/tiny") { continue }
            let path = root + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            var hash = FNV1a()
            hash.combine(bytes: FileManager.default.contents(atPath: path) ?? Data())
            result[relative] = hash.value
        }
        return result
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A `conveyor` process that can be signalled while it runs.
enum SignalledProcess {
    /// Runs `arguments`; sends `signal` after `delay` seconds (or when `until` first returns true,
    /// polled every 5 ms) unless the process has ended; returns the status and the output.
    static func run(_ arguments: [String], directory: URL, environment: [String: String] = [:], signal: Int32?,
                    after delay: Double, until: (() -> Bool)? = nil, timeout: Double = 120) throws -> ConveyorProcess.Result {
        let process = Process()
        process.executableURL = ConveyorProcess.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ConveyorProcess.baseEnvironment.merging(environment) { $1 }
        let outFile = directory.appendingPathComponent("scratch/out-\(UUID().uuidString).txt")
        let errFile = directory.appendingPathComponent("scratch/err-\(UUID().uuidString).txt")
        try FileManager.default.createDirectory(at: outFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        let start = Date()
        if let signal {
            while process.isRunning {
                let elapsed = Date().timeIntervalSince(start)
                if let until { if until() || elapsed > timeout { break } } else if elapsed >= delay { break }
                usleep(until == nil ? 5_000 : 1_000)
            }
            if process.isRunning { kill(process.processIdentifier, signal) }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        let result = ConveyorProcess.Result(status: status, stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                                            stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
        return result
    }
}
