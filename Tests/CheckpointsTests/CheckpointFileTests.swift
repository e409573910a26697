import Checkpoints
import Foundation
import HDF5
import XCTest

final class CheckpointFileTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func sample() -> Checkpoint {
        func tensor(_ shape: [Int], _ start: Float) -> Checkpoint.Tensor {
            let count = shape.reduce(1, *)
            return .init(shape: shape, values: (0..<count).map { start + Float($0) * 0.25 })
        }
        return Checkpoint(
            epoch: 3, step: 1170, seed: UInt64.max - 7, config: "name: test\nlayers:\n  - conv: {filters: 4}\n",
            layers: [
                .init(name: "conv1", tensors: ["weight": tensor([4, 3, 3, 3], -1), "bias": tensor([4], 0.5)]),
                .init(name: "bn1", tensors: ["running_mean": tensor([4], 2), "running_var": tensor([4], 3)]),
                .init(name: "fc1", tensors: ["weight": tensor([10, 16], 7), "bias": tensor([10], 1)]),
            ],
            optimizer: [
                .init(name: "conv1", tensors: ["weight_momentum": tensor([4, 3, 3, 3], 9), "bias_momentum": tensor([4], 8)]),
                .init(name: "fc1", tensors: ["weight_momentum": tensor([10, 16], 4), "bias_momentum": tensor([10], 3)]),
            ],
            metrics: [
                .init(epoch: 1, trainLoss: 2.1, trainAccuracy: 0.2, validationLoss: 2.0, validationAccuracy: 0.25,
                      learningRate: 0.1, imagesPerSecond: 5000, seconds: 10),
                .init(epoch: 2, trainLoss: 1.5, trainAccuracy: 0.45, learningRate: 0.05, imagesPerSecond: 5100, seconds: 9.5),
            ],
            state: ["data_order_rng": 12345, "dropout_rng": UInt64.max])
    }

    func testRoundTripKeepsEveryTensorAttributeAndMetric() throws {
        let target = path("last.h5")
        try CheckpointFile.save(Self.sample(), to: target)
        XCTAssertEqual(try CheckpointFile.load(from: target), Self.sample())
        // Saving again replaces the file and leaves no temporary behind.
        var next = Self.sample()
        next.epoch = 4
        try CheckpointFile.save(next, to: target)
        XCTAssertEqual(try CheckpointFile.load(from: target).epoch, 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["last.h5"])
    }

    func testNormalizationRoundTripsAsFloat32Datasets() throws {
        let target = path("normalized.h5")
        var checkpoint = Self.sample()
        checkpoint.normalization = .init(mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616])
        try CheckpointFile.save(checkpoint, to: target)
        XCTAssertEqual(try CheckpointFile.load(from: target), checkpoint)
        XCTAssertEqual(try CheckpointFile.load(from: target).normalization?.std, [0.2470, 0.2435, 0.2616])
        let file = try HDF5File.open(at: target)
        defer { try? file.close() }
        XCTAssertEqual(try file.kind(of: "/normalization"), .group)
        let mean = try file.read(Float.self, from: "/normalization/mean")
        XCTAssertEqual(mean.shape, [3])
        XCTAssertEqual(mean.values, [0.4914, 0.4822, 0.4465])
        XCTAssertEqual(try file.shape(of: "/normalization/std"), [3])
    }

    func testCheckpointWithoutNormalizationLoadsWithNil() throws {
        let target = path("plain.h5")
        try CheckpointFile.save(Self.sample(), to: target)
        let file = try HDF5File.open(at: target)
        XCTAssertFalse(try file.exists("/normalization"))
        try file.close()
        let loaded = try CheckpointFile.load(from: target)
        XCTAssertNil(loaded.normalization)
        XCTAssertEqual(loaded, Self.sample())
    }

    func testNormalizationWithMismatchedCountsIsRefusedOnSave() {
        var bad = Self.sample()
        bad.normalization = .init(mean: [0.5, 0.5, 0.5], std: [0.25])
        XCTAssertThrowsError(try CheckpointFile.save(bad, to: path("bad.h5"))) {
            XCTAssertEqual($0 as? CheckpointError, .shapeMismatch(path: "(not yet saved)", object: "/normalization/std",
                                                                  shape: [3], count: 1))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad.h5")))
    }

    /// Layers without parameters or state (pooling, activations, dropout) are empty groups in /model.
    func testLayerWithoutTensorsIsAnEmptyGroup() throws {
        let target = path("empty-layer.h5")
        var checkpoint = Self.sample()
        checkpoint.layers.insert(.init(name: "relu1", tensors: [:]), at: 1)
        try CheckpointFile.save(checkpoint, to: target)
        let file = try HDF5File.open(at: target)
        XCTAssertEqual(try file.kind(of: "/model/relu1"), .group)
        XCTAssertEqual(try file.children(of: "/model/relu1"), [])
        XCTAssertEqual(try file.attribute("layers", of: "/model"), .strings(["conv1", "relu1", "bn1", "fc1"]))
        try file.close()
        XCTAssertEqual(try CheckpointFile.load(from: target), checkpoint)
    }

    func testMissingFile() {
        XCTAssertThrowsError(try CheckpointFile.load(from: path("nope.h5"))) {
            XCTAssertEqual($0 as? CheckpointError, .missing(path: self.path("nope.h5")))
        }
    }

    func testTruncatedAndRandomFilesAreCorrupt() throws {
        let good = path("good.h5")
        try CheckpointFile.save(Self.sample(), to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path("half.h5")))
        var generator = SystemRandomNumberGenerator()
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: URL(fileURLWithPath: path("random.h5")))
        for name in ["half.h5", "random.h5"] {
            XCTAssertThrowsError(try CheckpointFile.load(from: path(name))) { error in
                guard case .corrupt = error as? CheckpointError else { return XCTFail("\(name): \(error)") }
                XCTAssertTrue("\(error)".contains("truncated or corrupt"), "\(error)")
            }
        }
    }

    func testHDF5FileWithoutFormatIsNotACheckpoint() throws {
        let other = path("other.h5")
        let file = try HDF5File.create(at: other)
        try file.write([Float](repeating: 1, count: 6), shape: [2, 3], to: "/data")
        try file.close()
        XCTAssertThrowsError(try CheckpointFile.load(from: other)) {
            XCTAssertEqual($0 as? CheckpointError, .notACheckpoint(path: other, found: nil))
        }
    }

    func testNewerVersionIsRefused() throws {
        let target = path("future.h5")
        let file = try HDF5File.create(at: target)
        try file.setAttribute("format", .string(Checkpoint.format))
        try file.setAttribute("version", .int64(99))
        try file.close()
        XCTAssertThrowsError(try CheckpointFile.load(from: target)) {
            XCTAssertEqual($0 as? CheckpointError, .newerVersion(path: target, version: 99, supported: 1))
        }
    }

    func testInconsistentTensorIsRefusedOnSave() {
        var bad = Self.sample()
        bad.layers[0].tensors["bias"] = .init(shape: [5], values: [1, 2])
        XCTAssertThrowsError(try CheckpointFile.save(bad, to: path("bad.h5"))) {
            guard case .shapeMismatch = $0 as? CheckpointError else { return XCTFail("\($0)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad.h5")))
    }

    func testH5pyReadsTheDocumentedLayout() throws {
        let python = "/usr/bin/python3"
        let target = path("py.h5")
        try CheckpointFile.save(Self.sample(), to: target)
        let script = """
        import sys, h5py, numpy as np
        f = h5py.File(sys.argv[1], 'r')
        a = f.attrs
        assert a['format'] == 'conveyor-checkpoint', a['format']
        assert int(a['version']) == 1 and int(a['epoch']) == 3 and int(a['step']) == 1170
        assert int(a['seed']) == 2**64 - 8
        assert a['config'].startswith('name: test')
        assert list(f['model'].attrs['layers']) == ['conv1', 'bn1', 'fc1']
        assert f['model/conv1/weight'].shape == (4, 3, 3, 3) and f['model/conv1/weight'].dtype == np.float32
        assert f['model/bn1/running_var'].shape == (4,)
        assert f['optimizer/fc1/weight_momentum'].shape == (10, 16)
        assert list(f['metrics'].attrs['columns'])[0] == 'epoch'
        assert list(f['metrics/epoch'][:]) == [1, 2]
        assert abs(f['metrics/val_accuracy'][0] - 0.25) < 1e-12 and np.isnan(f['metrics/val_accuracy'][1])
        assert int(f['state'].attrs['dropout_rng']) == 2**64 - 1
        print('ok')
        """
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import h5py"]
        guard FileManager.default.isExecutableFile(atPath: python), (try? check.run()) != nil else {
            throw XCTSkip("\(python) is missing; install python3-h5py to run the h5py check")
        }
        check.waitUntilExit()
        if check.terminationStatus != 0 { throw XCTSkip("\(python) has no h5py; install python3-h5py") }
        let run = Process()
        run.executableURL = URL(fileURLWithPath: python)
        run.arguments = ["-c", script, target]
        let pipe = Pipe()
        run.standardOutput = pipe
        run.standardError = pipe
        try run.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        XCTAssertEqual(run.terminationStatus, 0, output)
    }
}
