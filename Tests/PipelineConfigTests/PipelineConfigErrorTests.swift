import XCTest
@testable import PipelineConfig

/// Each kind of configuration error, with its message and line.
final class PipelineConfigErrorTests: XCTestCase {
    private func error(_ text: String, overrides: [String] = [], file: StaticString = #filePath, line: UInt = #line) -> PipelineConfigError? {
        parseError(text, path: "pipelines/x.yaml", overrides: overrides, file: file, line: line)
    }

    private let minimal = """
    name: t
    model:
      - fc: {outputs: 10}

    """

    func testUnknownKeySuggestsNearest() {
        let text = minimal + """
        optimizer:
          momentum: 0.9
          learning_rate: 0.1
        """
        XCTAssertEqual(error(text)?.description,
                       "pipelines/x.yaml:6: unknown key 'learning_rate' in optimizer; did you mean 'lr'?")
        XCTAssertEqual(error(minimal + "train: {epochz: 3}")?.description,
                       "pipelines/x.yaml:4: unknown key 'epochz' in train; did you mean 'epochs'?")
        XCTAssertEqual(error(minimal + "trian: {epochs: 3}")?.description,
                       "pipelines/x.yaml:4: unknown key 'trian' at top level; did you mean 'train'?")
    }

    func testWrongType() {
        let text = minimal + "train:\n  epochs: ten\n"
        XCTAssertEqual(error(text)?.description, "pipelines/x.yaml:5: expected an integer for train.epochs, found 'ten'")
        XCTAssertEqual(error(minimal + "augment: {flip: maybe}")?.message, "expected true, false or alternate for augment.flip, found 'maybe'")
        XCTAssertEqual(error(minimal + "train: {batch: big}")?.message, "expected an integer or 'auto' for train.batch, found 'big'")
        XCTAssertEqual(error(minimal + "optimizer: [1]")?.message, "expected a mapping for optimizer, found a list")
    }

    func testValuesOutOfRange() {
        let cases: [(String, String)] = [
            ("train: {epochs: 0}", "train.epochs must be at least 1, found 0"),
            ("optimizer: {lr: 0}", "optimizer.lr must be greater than 0, found 0"),
            ("optimizer: {momentum: 1}", "optimizer.momentum must be in [0, 1), found 1"),
            ("train: {batch: 0}", "train.batch must be at least 1, found 0"),
            ("train: {memory_fraction: 1.5}", "train.memory_fraction must be in (0, 1], found 1.5"),
            ("loss: {label_smoothing: 1}", "loss.label_smoothing must be in [0, 1), found 1"),
            ("data: {train: []}", "data.train must name at least one batch"),
            ("data: {train: [1, 6]}", "CIFAR-10 batch numbers are 1 to 5 (or 'test'), found 6 in data.train"),
            ("schedule: {type: piecewise}", "a piecewise schedule needs points: [[epoch, multiplier], ...]"),
        ]
        for (section, message) in cases {
            let found = error(minimal + section)
            XCTAssertEqual(found?.message, message, section)
            XCTAssertEqual(found?.line, 4, section)
        }
    }

    func testLayerSettingsOutOfRange() {
        let base = "name: t\nmodel:\n"
        XCTAssertEqual(error(base + "  - conv: {filters: 8, size: 0}")?.description,
                       "pipelines/x.yaml:3: model.0.conv.size must be at least 1, found 0")
        XCTAssertEqual(error(base + "  - relu\n  - maxpool: {size: 2, stride: 0}")?.description,
                       "pipelines/x.yaml:4: model.1.maxpool.stride must be at least 1, found 0")
        XCTAssertEqual(error(base + "  - conv: {filters: 8, size: 3, padding: -1}")?.message,
                       "model.0.conv.padding must be at least 0, found -1")
        XCTAssertEqual(error(base + "  - dropout: {p: 1.0}")?.message, "model.0.dropout.p must be in [0, 1), found 1")
    }

    func testUnknownLayerTypeSuggests() {
        let text = "name: t\nmodel:\n  - conv: {filters: 8, size: 3}\n  - convolution: {filters: 8}\n"
        XCTAssertEqual(error(text)?.description, "pipelines/x.yaml:4: unknown layer type 'convolution' in model; did you mean 'conv'?")
        XCTAssertEqual(error("name: t\nmodel:\n  - rleu\n")?.description,
                       "pipelines/x.yaml:3: unknown layer type 'rleu' in model; did you mean 'relu'?")
        XCTAssertEqual(error("name: t\nmodel:\n  - conv: {filters: 8, size: 3, strid: 2}\n")?.description,
                       "pipelines/x.yaml:3: unknown key 'strid' in model.0.conv; did you mean 'stride'?")
    }

    func testMissingRequiredKey() {
        XCTAssertEqual(error("model:\n  - relu\n")?.description, "pipelines/x.yaml:1: missing required key 'name' at top level")
        XCTAssertEqual(error("name: t\nmodel:\n  - relu\n  - conv: {size: 3}\n")?.description,
                       "pipelines/x.yaml:4: missing required key 'filters' in model.1.conv")
    }

    func testYAMLSyntaxErrorHasLine() {
        let found = error("name: t\nmodel:\n  - relu\ntrain: {epochs: 3\n")
        XCTAssertEqual(found?.file, "pipelines/x.yaml")
        XCTAssertEqual(found?.description,
                       "pipelines/x.yaml:5: YAML syntax error: the '{' opened at line 4 is never closed; add the missing '}' "
                       + "(or a ',' between its items) (did not find expected ',' or '}' (while parsing a flow mapping started at line 4))")
        XCTAssertTrue(found?.message.hasPrefix("YAML syntax error") ?? false, found?.description ?? "")
        let tab = error("name: t\nmodel:\n  - relu\n\tbad: 1\n")
        XCTAssertEqual(tab?.line, 4, tab?.description ?? "")
        XCTAssertEqual(error("- a\n")?.description, "pipelines/x.yaml:1: expected a mapping for the pipeline file, found a list")
    }

    func testDuplicateLayerName() {
        let text = "name: t\nmodel:\n  - conv: {filters: 8, size: 3, name: conv2}\n  - conv: {filters: 8, size: 3}\n"
        XCTAssertEqual(error(text)?.description,
                       "pipelines/x.yaml:4: layer name 'conv2' is used twice (first at line 3); give one a different name")
    }

    func testSuggestion() {
        XCTAssertEqual(KeySuggestion.nearest(to: "learning_rate", in: PipelineSchema.optimizer), "lr")
        XCTAssertEqual(KeySuggestion.nearest(to: "batch_size", in: PipelineSchema.train), "batch")
        XCTAssertNil(KeySuggestion.nearest(to: "zzzzzz", in: PipelineSchema.train))
        XCTAssertEqual(KeySuggestion.editDistance("kitten", "sitting"), 3)
    }
}
