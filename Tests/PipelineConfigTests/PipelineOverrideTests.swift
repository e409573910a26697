import Layers
import XCTest
@testable import PipelineConfig

/// `--set key.path=value` overrides.
final class PipelineOverrideTests: XCTestCase {
    private let text = """
    name: t
    data:
      source: synthetic
    model:
      - conv: {filters: 8, size: 3, padding: 1}
      - relu
      - maxpool
      - fc: {outputs: 10}
    train: {epochs: 5, batch: 32}

    """

    private func load(_ overrides: [String]) throws -> PipelineConfig {
        try PipelineConfig.parse(text: text, path: "p.yaml", overrides: overrides)
    }

    func testNumberWordListAndNested() throws {
        let config = try load(["train.epochs=1", "optimizer.lr=0.05", "train.batch=auto", "augment.flip=true",
                               "data.train=[1,2]", "optimizer.lr_multipliers.bias=2", "device=gpu"])
        XCTAssertEqual(config.train.epochs, 1)
        XCTAssertEqual(config.optimizer.lr, 0.05)
        XCTAssertEqual(config.train.batch, .auto)
        XCTAssertEqual(config.augment.flip, .random)
        XCTAssertEqual(config.data.train, [.batch(1), .batch(2)])
        XCTAssertEqual(config.optimizer.lrMultipliers.bias, 2)
        XCTAssertEqual(config.device, "gpu")
        XCTAssertTrue(config.sourceText.contains("epochs: 1"), config.sourceText)
        XCTAssertEqual(try PipelineConfig.parse(text: config.sourceText, path: "p.yaml").train.epochs, 1)
    }

    func testLayerByIndex() throws {
        let config = try load(["model.0.conv.filters=16", "model.2.maxpool.stride=1"])
        guard let conv = (config.model[0].kind as? Conv2DKind)?.config, let pool = (config.model[2].kind as? MaxPoolKind)?.config else {
            return XCTFail("layers changed kind")
        }
        XCTAssertEqual(conv.filters, 16)
        XCTAssertEqual(pool.stride, 1)
        XCTAssertEqual(config.model[0].line, 5)
    }

    func testUnknownPathNamesTheSet() {
        XCTAssertThrowsError(try load(["optimizer.learning_rate=0.1"])) { error in
            XCTAssertEqual("\(error)", "--set optimizer.learning_rate=0.1: unknown key 'learning_rate' in optimizer; did you mean 'lr'?")
        }
        XCTAssertThrowsError(try load(["model.0.conv.filtres=3"])) { error in
            XCTAssertEqual("\(error)", "--set model.0.conv.filtres=3: unknown key 'filtres' in model.0.conv; did you mean 'filters'?")
        }
        XCTAssertThrowsError(try load(["model.9.conv.filters=3"])) { error in
            XCTAssertEqual((error as? PipelineConfigError)?.override, "model.9.conv.filters=3")
        }
        XCTAssertThrowsError(try load(["train.epochs"])) { error in
            XCTAssertEqual("\(error)", "--set train.epochs: expected key.path=value")
        }
    }

    func testBadValueNamesTheSet() {
        XCTAssertThrowsError(try load(["train.epochs=ten"])) { error in
            XCTAssertEqual("\(error)", "--set train.epochs=ten: expected an integer for train.epochs, found 'ten'")
        }
        XCTAssertThrowsError(try load(["train.epochs=0"])) { error in
            XCTAssertEqual("\(error)", "--set train.epochs=0: train.epochs must be at least 1, found 0")
        }
    }
}
