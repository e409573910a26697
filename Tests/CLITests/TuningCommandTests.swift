import Foundation
import XCTest

/// Training measures each convolution shape once per machine; `conveyor tuning` shows and clears it.
final class TuningCommandTests: XCTestCase {
    func testFirstRunMeasuresLaterRunsReuseAndClearForgets() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-tuning-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        name: tuned
        data: {source: synthetic, synthetic_train: 64, synthetic_validation: 32}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
          - relu
          - maxpool: {size: 2}
          - fc: {outputs: 10}
        train: {epochs: 1, batch: 32, seed: 3}
        checkpoint: {folder: runs, interval: 1, keep: 1}
        """.write(to: folder.appendingPathComponent("tuned.yaml"), atomically: true, encoding: .utf8)
        let cache = folder.appendingPathComponent("cache/tuning.json")
        let environment = ["CONVEYOR_TUNING_CACHE": cache.path]

        let first = try ConveyorProcess.run(["train", "tuned.yaml", "--device", "cpu"], environment: environment, directory: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("tuned conv1 (3x32x32, 8 filters of 3x3)"), first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache.path))

        let second = try ConveyorProcess.run(["train", "tuned.yaml", "--device", "cpu", "--force"], environment: environment,
                                             directory: folder)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stderr.contains("tuned conv1"), "the cached choice is used: \(second.stderr)")

        let listing = try ConveyorProcess.run(["tuning"], environment: environment)
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertTrue(listing.stdout.contains("conv 3x32x32 f8 k3 s1 p1 d1 g1 bias1 probe32"), listing.stdout)

        let cleared = try ConveyorProcess.run(["tuning", "--clear"], environment: environment)
        XCTAssertEqual(cleared.status, 0, cleared.stderr)
        XCTAssertTrue(cleared.stdout.contains("removed \(cache.path)"), cleared.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.path))
        XCTAssertTrue(try ConveyorProcess.run(["tuning"], environment: environment).stdout.contains("no tuning cache"))

        let off = try ConveyorProcess.run(["train", "tuned.yaml", "--device", "cpu", "--force"],
                                          environment: environment.merging(["CONVEYOR_TUNING": "off"]) { $1 }, directory: folder)
        XCTAssertEqual(off.status, 0, off.stderr)
        XCTAssertFalse(off.stderr.contains("tuned"), off.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.path), "CONVEYOR_TUNING=off measures and writes nothing")
    }
}
