import Layers
import XCTest
@testable import PipelineConfig

/// The `whiten` layer in pipeline files: its keys and defaults, and where it may stand.
final class WhitenPipelineTests: XCTestCase {
    private func error(_ text: String, overrides: [String] = [], file: StaticString = #filePath, line: UInt = #line) -> PipelineConfigError? {
        parseError(text, path: "pipelines/w.yaml", overrides: overrides, file: file, line: line)
    }

    func testWhitenDecodes() throws {
        let text = """
        name: t
        model:
          - whiten: {size: 2, epsilon: 5.0e-4, bias_epochs: 3, same: false}
          - conv: {filters: 8, size: 3}
          - fc: {outputs: 10}
        """
        let config = try PipelineConfig.parse(text: text, path: "w.yaml")
        XCTAssertEqual(config.model[0].kind as? WhiteningKind, WhiteningKind(WhiteningConfig(size: 2, epsilon: 5e-4, same: false), biasEpochs: 3))
        XCTAssertEqual(config.model[0].name, "whiten1")
        XCTAssertEqual(config.model[0].line, 3)
        XCTAssertEqual(config.model[0].kind.word, "whiten")

        let defaults = try PipelineConfig.parse(text: "name: t\nmodel: [whiten, relu]\n", path: "w.yaml")
        XCTAssertEqual(defaults.model[0].kind as? WhiteningKind, WhiteningKind(WhiteningConfig(), biasEpochs: nil))
        let named = try PipelineConfig.parse(text: "name: t\nmodel:\n  - whiten: {size: 3, same: true, name: white}\n", path: "w.yaml")
        XCTAssertEqual(named.model[0].kind as? WhiteningKind, WhiteningKind(WhiteningConfig(size: 3, epsilon: 5e-4, same: true), biasEpochs: nil))
        XCTAssertEqual(named.model[0].name, "white")
        let overridden = try PipelineConfig.parse(text: text, path: "w.yaml", overrides: ["model.0.whiten.bias_epochs=5"])
        XCTAssertEqual(overridden.model[0].kind as? WhiteningKind, WhiteningKind(WhiteningConfig(), biasEpochs: 5))
    }

    func testWhitenNotFirstIsRefusedNamingTheLine() {
        let text = """
        name: t
        model:
          - conv: {filters: 8, size: 3}
          - whiten: {size: 2}
          - fc: {outputs: 10}
        """
        XCTAssertEqual(error(text)?.description,
                       "pipelines/w.yaml:4: whiten must be the first layer of the model (its filters are measured from the "
                       + "images' patches), found it at position 2, after 'conv1'")
    }

    func testWhitenValuesOutOfRange() {
        let cases: [(String, String)] = [
            ("whiten: {size: 0}", "pipelines/w.yaml:3: model.0.whiten.size must be at least 1, found 0"),
            ("whiten: {size: 33}", "pipelines/w.yaml:3: model.0.whiten.size must be at most 32, found 33"),
            ("whiten: {epsilon: 0}", "pipelines/w.yaml:3: model.0.whiten.epsilon must be greater than 0, found 0"),
            ("whiten: {bias_epochs: -1}", "pipelines/w.yaml:3: model.0.whiten.bias_epochs must be at least 0, found -1"),
            ("whiten: {sizes: 2}", "pipelines/w.yaml:3: unknown key 'sizes' in model.0.whiten; did you mean 'size'?"),
        ]
        for (layer, message) in cases {
            XCTAssertEqual(error("name: t\nmodel:\n  - \(layer)\n")?.description, message, layer)
        }
    }
}
