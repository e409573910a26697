import XCTest
@testable import PipelineConfig

/// A key given by several `--set`s: the last one holds the value, so errors about the value
/// name the last one (issue 27: the first was blamed).
final class RepeatedOverrideTests: XCTestCase {
    private let text = """
    name: t
    data:
      source: synthetic
    model:
      - conv: {filters: 8, size: 3, padding: 1}
      - relu
      - fc: {outputs: 10}
    train: {epochs: 5, batch: 32}

    """

    private func message(_ overrides: [String]) -> String? {
        do {
            _ = try PipelineConfig.parse(text: text, path: "p.yaml", overrides: overrides)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testTheSecondOccurrenceWithTheBadValueIsBlamed() {
        XCTAssertEqual(message(["train.epochs=1", "train.epochs=2x"]),
                       "--set train.epochs=2x: expected an integer for train.epochs, found '2x'")
        XCTAssertEqual(message(["train.epochs=1", "train.epochs=0"]),
                       "--set train.epochs=0: train.epochs must be at least 1, found 0")
    }

    func testAFirstBadValueReplacedByAGoodOneIsNoError() throws {
        let config = try PipelineConfig.parse(text: text, path: "p.yaml", overrides: ["train.epochs=2x", "train.epochs=3"])
        XCTAssertEqual(config.train.epochs, 3)
    }

    func testALaterSetOfTheSectionIsBlamedForItsKeys() {
        XCTAssertEqual(message(["train.epochs=2", "train={epochs: 0, batch: 4}"]),
                       "--set train={epochs: 0, batch: 4}: train.epochs must be at least 1, found 0")
    }

    func testASetOfAnotherKeyBetweenThemChangesNothing() {
        XCTAssertEqual(message(["train.epochs=1", "train.batch=4", "train.epochs=-1", "optimizer.lr=0.1"]),
                       "--set train.epochs=-1: train.epochs must be at least 1, found -1")
    }

    func testALayerSetTwice() {
        XCTAssertEqual(message(["model.0.conv.filters=4", "model.0.conv.filters=0"]),
                       "--set model.0.conv.filters=0: model.0.conv.filters must be at least 1, found 0")
    }
}
