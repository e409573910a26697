import Layers
import XCTest
@testable import PipelineConfig

/// `residual` blocks in pipeline files: names, repeats, the activation after the sum, nesting,
/// `--set` inside a block, and the refusals.
final class ResidualPipelineTests: XCTestCase {
    private func error(_ text: String, overrides: [String] = [], file: StaticString = #filePath, line: UInt = #line) -> PipelineConfigError? {
        parseError(text, path: "pipelines/r.yaml", overrides: overrides, file: file, line: line)
    }

    let resnetStage = """
    name: t
    model:
      - conv: {filters: 16, size: 3, padding: 1}
      - residual:
          body: [conv: {filters: 32, size: 3, padding: 1, stride: 2, rounding: floor}, batchnorm, relu,
                 conv: {filters: 32, size: 3, padding: 1}, batchnorm]
          shortcut: [conv: {filters: 32, size: 1, stride: 2, rounding: floor, bias: false}, batchnorm]
          activation: relu
      - residual:
          body: [conv: {filters: 32, size: 3, padding: 1}, relu, conv: {filters: 32, size: 3, padding: 1}]
          activation: relu
          repeat: 2
      - residual: {name: stem, body: [relu, residual: {body: [conv: {filters: 32, size: 1}]}]}
      - global_avgpool
      - fc: {outputs: 10}

    """

    func testNamesRepeatsAndActivation() throws {
        let config = try PipelineConfig.parse(text: resnetStage, path: "r.yaml")
        XCTAssertEqual(config.model.map(\.name), ["conv1", "res1", "res1.relu", "res2", "res2.relu", "res3", "res3.relu", "stem",
                                                  "gap1", "fc1"])
        guard let first = config.model[1].kind as? ResidualKind else { return XCTFail("res1 is no block") }
        XCTAssertEqual(first.body.map(\.name), ["res1.conv1", "res1.bn1", "res1.relu1", "res1.conv2", "res1.bn2"])
        XCTAssertEqual(first.shortcut.map(\.name), ["res1.shortcut.conv1", "res1.shortcut.bn1"])
        XCTAssertEqual(first.body[0].line, 5)
        XCTAssertTrue(config.model[2].kind is ReLUKind)
        // The repeated copies are the same block under their own names.
        guard let second = config.model[3].kind as? ResidualKind, let third = config.model[5].kind as? ResidualKind else {
            return XCTFail("res2 and res3 are no blocks")
        }
        XCTAssertEqual(second.body.map(\.name), ["res2.conv1", "res2.relu1", "res2.conv2"])
        XCTAssertEqual(third.body.map(\.name), ["res3.conv1", "res3.relu1", "res3.conv2"])
        XCTAssertTrue(zip(second.body, third.body).allSatisfy { $0.kind.isEqual(to: $1.kind) } && second.body.count == third.body.count)
        XCTAssertTrue(second.shortcut.isEmpty)
        // Nested blocks carry every name above them; leaves list the layers that own tensors.
        XCTAssertEqual(config.model[7].leaves.map(\.name), ["stem.relu1", "stem.res1.conv1"])
        XCTAssertEqual(Set(config.model.flatMap(\.leaves).map(\.name)).count, config.model.flatMap(\.leaves).count)
    }

    func testSetReachesIntoBlocks() throws {
        let config = try PipelineConfig.parse(text: resnetStage, path: "r.yaml",
                                              overrides: ["model.1.residual.body.0.conv.filters=48",
                                                          "model.2.residual.repeat=4"])
        guard let first = config.model[1].kind as? ResidualKind, let conv = (first.body[0].kind as? Conv2DKind)?.config else {
            return XCTFail("res1.conv1 is no convolution")
        }
        XCTAssertEqual(conv.filters, 48)
        XCTAssertEqual(config.model.filter { $0.kind is ResidualKind }.count, 6)
        XCTAssertEqual(error(resnetStage, overrides: ["model.1.residual.body.0.conv.filterz=48"])?.message,
                       "unknown key 'filterz' in model.1.residual.body.0.conv; did you mean 'filters'?")
        XCTAssertEqual(error(resnetStage, overrides: ["model.1.residual.bdy=[relu]"])?.message,
                       "unknown key 'bdy' in model.1.residual; did you mean 'body'?")
    }

    func testRefusals() {
        func block(_ text: String) -> String { "name: t\nmodel:\n  - residual: \(text)\n  - fc: {outputs: 10}\n" }
        XCTAssertEqual(error(block("{body: []}"))?.description, "pipelines/r.yaml:3: model.0.residual.body must list at least one layer")
        XCTAssertEqual(error(block("{body: [relu], repeat: 0}"))?.message, "model.0.residual.repeat must be at least 1, found 0")
        XCTAssertEqual(error(block("{body: [relu], repeat: 1000}"))?.message, "model.0.residual.repeat must be at most 256, found 1000")
        XCTAssertTrue(error(block("{body: [whiten]}"))?.message.contains("whiten must be the first layer") ?? false)
        XCTAssertTrue(error(block("{shortcut: [relu]}"))?.message.contains("missing required key 'body'") ?? false)
        XCTAssertEqual(error(block("{body: [relu], activation: tanh}"))?.message,
                       "unknown activation 'tanh' after a residual block (expected relu or gelu)")
        XCTAssertEqual(error(block("{body: [relu: {name: a}, relu: {name: a}]}"))?.message,
                       "layer name 'a' is used twice (first at line 3); give one a different name")
        XCTAssertTrue(error(block("{body: [convv: {filters: 3}]}"))?.message.contains("unknown layer type 'convv'") ?? false)
        // A top-level name may not take a name inside a block.
        XCTAssertTrue(error("name: t\nmodel:\n  - relu: {name: res1.relu1}\n  - residual: {body: [relu]}\n  - fc: {outputs: 10}\n")?
            .message.contains("layer name 'res1.relu1' is used twice") ?? false)
    }
}
