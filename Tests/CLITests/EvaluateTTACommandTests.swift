import Foundation
import XCTest

/// airbench's augmentation from the command line: training with `flip: alternate`,
/// `translate_padding: reflect` and `tta: flip_translate`, then `conveyor evaluate --tta flip_translate`.
final class EvaluateTTACommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-tta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
        name: airbench-tiny
        data: {source: synthetic, synthetic_train: 320, synthetic_validation: 96}
        augment: {translate: 2, translate_padding: reflect, flip: alternate}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
          - relu
          - global_avgpool
          - fc: {outputs: 10}
        optimizer: {lr: 0.05, momentum: 0.9}
        train: {epochs: 2, batch: 32, seed: 3, tta: flip_translate}
        checkpoint: {folder: runs, interval: 1, keep: 1}
        """.write(to: folder.appendingPathComponent("airbench.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func run(_ arguments: [String]) throws -> ConveyorProcess.Result {
        try ConveyorProcess.run(arguments, directory: folder)
    }

    func testEvaluateWithFlipTranslate() throws {
        let train = try run(["train", "airbench.yaml", "--device", "cpu"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("epoch 2/2"), train.stdout)

        let evaluate = try run(["evaluate", "runs/airbench-tiny/last.h5", "--tta", "flip_translate", "--json"])
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["images"] as? Int, 96)
        XCTAssertEqual(report["test_time_augmentation"] as? String, "flip_translate")
        XCTAssertEqual((report["confusion"] as? [[Int]])?.flatMap { $0 }.reduce(0, +), 96)
        XCTAssertNotNil(report["loss"] as? Double)

        let text = try run(["evaluate", "runs/airbench-tiny/last.h5", "--tta", "flip_translate"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("(test-time augmentation: flip_translate)"), text.stdout)

        let wrong = try run(["evaluate", "runs/airbench-tiny/last.h5", "--tta", "mirror"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("none, flip, flip_translate"), wrong.stderr)
    }
}
