import Foundation
import XCTest

/// A checkpoint evaluates and exports on a machine without its training data: the model's
/// input normalisation is stored in the checkpoint, not measured again.
final class StoredModelCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-stored-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A CIFAR-10 binary file of `records` random images with cycling labels; `brightness`
    /// shifts the pixels so that statistics measured on it differ from other files'.
    func writeBatch(_ name: String, in directory: URL, records: Int, seed: UInt64, brightness: Int = 0) throws {
        var state = seed
        var bytes: [UInt8] = []
        for record in 0..<records {
            bytes.append(UInt8(record % 10))
            for _ in 0..<3072 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(clamping: Int(state >> 57) + brightness + (record % 10) * 8))
            }
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(bytes).write(to: directory.appendingPathComponent(name))
    }

    func run(_ arguments: [String]) throws -> ConveyorProcess.Result {
        try ConveyorProcess.run(arguments, directory: folder)
    }

    func testEvaluateNeedsOnlyTheSplitItReads() throws {
        let training = folder.appendingPathComponent("cifar")
        try writeBatch("data_batch_1.bin", in: training, records: 200, seed: 1)
        try writeBatch("data_batch_2.bin", in: training, records: 100, seed: 2)
        try """
        name: stored
        data: {source: cifar10, path: cifar, train: [1], validation: [2]}
        augment: {normalize: auto}
        model:
          - conv: {filters: 4, size: 3, padding: 1}
          - relu
          - global_avgpool
          - fc: {outputs: 10}
        optimizer: {lr: 0.05, momentum: 0.9}
        train: {epochs: 1, batch: 50, seed: 1}
        checkpoint: {folder: runs, interval: 1, keep: 1}
        """.write(to: folder.appendingPathComponent("stored.yaml"), atomically: true, encoding: .utf8)
        let train = try run(["train", "stored.yaml", "--device", "cpu"])
        XCTAssertEqual(train.status, 0, train.stderr)

        // A folder that holds only the test batch, and one whose training batch is different.
        let onlyTest = folder.appendingPathComponent("only-test")
        try writeBatch("test_batch.bin", in: onlyTest, records: 100, seed: 9)
        let otherTraining = folder.appendingPathComponent("other-training")
        try writeBatch("test_batch.bin", in: otherTraining, records: 100, seed: 9)
        try writeBatch("data_batch_1.bin", in: otherTraining, records: 100, seed: 5, brightness: 60)
        var reports: [[String: Any]] = []
        for data in [onlyTest, otherTraining] {
            let evaluate = try run(["evaluate", "runs/stored/last.h5", "--data", data.path, "--split", "test", "--json"])
            XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
            reports.append(try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any]))
        }
        XCTAssertEqual(reports[0]["images"] as? Int, 100)
        XCTAssertEqual(reports[0]["loss"] as? Double, reports[1]["loss"] as? Double,
                       "the training batches beside the test batch must not change the result")
        XCTAssertEqual(reports[0]["confusion"] as? [[Int]], reports[1]["confusion"] as? [[Int]])

        // Without its training folder the checkpoint still exports its activations.
        try FileManager.default.removeItem(at: training)
        let activations = try run(["activations", "runs/stored/last.h5", "--data", onlyTest.path, "--split", "test",
                                   "--count", "4", "--out", "acts.h5"])
        XCTAssertEqual(activations.status, 0, activations.stderr)
    }
}
