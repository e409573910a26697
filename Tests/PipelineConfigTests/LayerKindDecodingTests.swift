import Layers
import PipelineConfig
import XCTest

/// The decoder and the `--set` schema read layer words from the registered kinds only.
final class LayerKindDecodingTests: XCTestCase {
    /// Every registered word decodes (a word with required keys asks for them by name).
    func testEveryRegisteredWordDecodes() throws {
        for kind in LayerKinds.registered {
            let text = "name: t\ndata: {source: synthetic}\nmodel:\n  - \(kind.word): {}\n"
            do {
                let config = try PipelineConfig.parse(text: text)
                XCTAssertEqual(config.model.first?.kind.word, kind.word)
                XCTAssertEqual(config.model.first?.name, kind.namePrefix + "1")
            } catch {
                let message = "\(error)"
                XCTAssertTrue(message.contains("missing required key"), "\(kind.word): \(message)")
            }
        }
    }

    func testAnUnregisteredWordIsRefusedWithASuggestion() {
        let text = "name: t\ndata: {source: synthetic}\nmodel:\n  - convv: {filters: 8, size: 3}\n"
        XCTAssertThrowsError(try PipelineConfig.parse(text: text)) { error in
            XCTAssertTrue("\(error)".contains("unknown layer type 'convv'"), "\(error)")
            XCTAssertTrue("\(error)".contains("conv"), "\(error)")
        }
    }

    /// Keys are the kind's own plus `name`, and `--set` reaches them.
    func testSetReachesEveryKindsKeys() throws {
        let text = "name: t\ndata: {source: synthetic}\nmodel:\n  - conv: {filters: 8, size: 3}\n  - relu\n  - fc: {outputs: 10}\n"
        let config = try PipelineConfig.parse(text: text, overrides: ["model.0.conv.stride=2", "model.2.fc.bias=false"])
        XCTAssertEqual((config.model[0].kind as? Conv2DKind)?.config.stride, 2)
        XCTAssertEqual((config.model[2].kind as? FullyConnectedKind)?.config.bias, false)
        XCTAssertThrowsError(try PipelineConfig.parse(text: text, overrides: ["model.0.conv.outputs=2"])) { error in
            XCTAssertTrue("\(error)".contains("unknown key 'outputs'"), "\(error)")
        }
    }
}
