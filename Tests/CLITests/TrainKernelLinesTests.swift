import Foundation
import XCTest

/// `train --verbose` names the kernel variants it runs, one line per layer kind, with the names
/// `conveyor check` uses.
final class TrainKernelLinesTests: XCTestCase {
    func testVerboseTrainingListsTheVariantsPerLayerKind() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-kernels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        name: kernels
        data: {source: synthetic, synthetic_train: 64, synthetic_validation: 32}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
          - batchnorm
          - relu
          - maxpool: {size: 2}
          - conv: {filters: 8, size: 3, padding: 1}
          - relu
          - global_avgpool
          - fc: {outputs: 10}
        train: {epochs: 1, batch: 32, seed: 3}
        checkpoint: {folder: runs, interval: 1, keep: 1}
        """.write(to: folder.appendingPathComponent("kernels.yaml"), atomically: true, encoding: .utf8)
        // The rules' choices (both convolutions run one variant); measured ones may differ per layer.
        let result = try ConveyorProcess.run(["train", "kernels.yaml", "--verbose", "--device", "cpu"],
                                             environment: ["CONVEYOR_TUNING": "off"], directory: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let start = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("kernels (as `conveyor check` names them)") }, result.stdout)
        let block = lines[(start + 1)...].prefix { $0.hasPrefix("  ") }
        XCTAssertEqual(block.map { $0.split(separator: " ").first.map(String.init) ?? "" },
                       ["conv2d", "batchnorm", "activation", "maxpool", "global-avgpool", "fc", "loss"], result.stdout)
        XCTAssertTrue(block.contains { $0.contains("conv2d") && $0.contains("conv1 conv2") }, result.stdout)
        XCTAssertTrue(block.contains { $0.contains("activation") && $0.contains("relu: relu1 relu2") }, result.stdout)
        XCTAssertFalse(try ConveyorProcess.run(["train", "kernels.yaml", "--device", "cpu", "--set", "checkpoint.folder=runs2"],
                                               directory: folder).stdout.contains("kernels (as"), "only with --verbose")
    }
}
