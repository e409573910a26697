import Foundation
import XCTest

/// `conveyor data cifar10 --from` on a small archive made here (never the network).
final class DataCommandTests: XCTestCase {
    func testFromLocalArchiveExtractsWithMD5Warning() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-cli-data-\(UUID().uuidString)")
        let inner = scratch.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for (file, name) in ((1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]).enumerated() {
            let records = (0..<4).flatMap { r in [UInt8((file + r) % 10)] + [UInt8](repeating: UInt8(r), count: 3072) }
            try Data(records).write(to: inner.appendingPathComponent(name))
        }
        try "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"
            .write(to: inner.appendingPathComponent("batches.meta.txt"), atomically: true, encoding: .utf8)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-czf", "small.tar.gz", "cifar-10-batches-bin"]
        tar.currentDirectoryURL = scratch
        try tar.run()
        tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)

        let result = try ConveyorProcess.run(["data", "cifar10", "--to", "out/cifar", "--from", "small.tar.gz"], directory: scratch)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("warning:") && result.stderr.contains("MD5"), result.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("out/cifar").path)
        XCTAssertEqual(Set(files), ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                                    "data_batch_5.bin", "test_batch.bin", "batches.meta.txt"])

        let broken = try ConveyorProcess.run(["data", "cifar10", "--to", "out/x", "--from", "missing.tar.gz"], directory: scratch)
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.stderr.contains("missing.tar.gz"), broken.stderr)
    }
}
