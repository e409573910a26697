import Foundation
import XCTest

/// CIFAR-100 from a local archive to a trained network: `data cifar100 --from`, then a pipeline
/// with `data.source: cifar100` on the coarse labels (20 classes).
final class CIFAR100CommandTests: XCTestCase {
    func testFetchFromALocalArchiveThenTrainOnCoarseLabels() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-c100-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let inner = folder.appendingPathComponent("staging/cifar-100-binary")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        for (name, count) in [("train.bin", 96), ("test.bin", 32)] {
            var bytes: [UInt8] = []
            for record in 0..<count {
                let coarse = UInt8(record % 20)
                // A learnable picture: the coarse class sets the brightness.
                bytes += [coarse, UInt8(record % 100)] + [UInt8](repeating: coarse &* 12, count: 3072)
            }
            try Data(bytes).write(to: inner.appendingPathComponent(name))
        }
        try (0..<20).map { "superclass \($0)" }.joined(separator: "\n")
            .write(to: inner.appendingPathComponent("coarse_label_names.txt"), atomically: true, encoding: .utf8)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-czf", folder.appendingPathComponent("c100.tar.gz").path, "-C",
                         folder.appendingPathComponent("staging").path, "cifar-100-binary"]
        try tar.run()
        tar.waitUntilExit()

        let fetch = try ConveyorProcess.run(["data", "cifar100", "--from", "c100.tar.gz", "--to", "data/c100"], directory: folder)
        XCTAssertEqual(fetch.status, 0, fetch.stderr)
        XCTAssertTrue(fetch.stdout.contains("CIFAR-100 ready in"), fetch.stdout)
        XCTAssertTrue(fetch.stderr.contains("differs from the official archive's"), fetch.stderr)

        let pipeline = """
            name: c100
            data: {source: cifar100, path: data/c100, labels: coarse}
            model:
              - conv: {filters: 8, size: 3, padding: 1}
              - relu
              - global_avgpool
              - fc: {outputs: 20}
            train: {epochs: 1, batch: 16}
            checkpoint: {folder: runs}
            """
        try pipeline.write(to: folder.appendingPathComponent("c100.yaml"), atomically: true, encoding: .utf8)
        let train = try ConveyorProcess.run(["train", "c100.yaml", "--device", "cpu"], directory: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        let evaluate = try ConveyorProcess.run(["evaluate", "runs/c100/last.h5", "--json"], directory: folder)
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["images"] as? Int, 32)
        XCTAssertEqual((report["class_names"] as? [String])?.last, "superclass 19")

        let wrong = try ConveyorProcess.run(["train", "c100.yaml", "--device", "cpu", "--set", "name=fine",
                                             "--set", "data.labels=fine"], directory: folder)
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("the data has 100 classes, so the last layer must give 100 values, not 20"), wrong.stderr)
    }
}
