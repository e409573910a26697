import Layers
import Optimization
import XCTest
@testable import PipelineConfig

/// The training-recipe options of airbench94 (batch norm without scale, weight-decay
/// multipliers, lookahead, Dirac initialisation, a scale on the logits) decode, and their bad
/// values are refused with the line and what to change.
final class RecipeOptionsTests: XCTestCase {
    private func parse(_ text: String) throws -> PipelineConfig {
        try PipelineConfig.parse(text: text, path: "r.yaml")
    }

    private func message(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testRecipeOptionsDecode() throws {
        let config = try parse("""
        name: r
        model:
          - conv: {filters: 8, size: 3, padding: 1, bias: false, init: dirac}
          - batchnorm: {scale: false}
          - gelu
          - global_avgpool
          - fc: {outputs: 10, bias: false, scale: 0.5, init: xavier}
        optimizer:
          lr_multipliers: {norm: 64}
          wd_multipliers: {norm: 0.015625}
          lookahead: {every: 5, decay: 0.77, power: 3}
        """)
        XCTAssertEqual(config.model[0].initialization, .dirac)
        guard let norm = config.model[1].kind as? BatchNormKind else { return XCTFail("not a batch norm") }
        XCTAssertFalse(norm.scale)
        XCTAssertTrue(norm.affine)
        guard let fc = (config.model[4].kind as? FullyConnectedKind)?.config else { return XCTFail("not fc") }
        XCTAssertEqual(fc.scale, 0.5)
        XCTAssertEqual(config.model[4].initialization, .xavier)
        XCTAssertEqual(config.optimizer.lrMultipliers.norm, 64)
        XCTAssertEqual(config.optimizer.wdMultipliers.norm, 0.015625)
        XCTAssertEqual(config.optimizer.wdMultipliers.bias, 1)
        let lookahead = try XCTUnwrap(config.optimizer.lookahead)
        XCTAssertEqual(lookahead.every, 5)
        XCTAssertEqual(lookahead.decay, 0.77)
        XCTAssertEqual(lookahead.decay(atStep: 50, totalSteps: 100), 0.77 * 0.125, accuracy: 1e-12)
        XCTAssertNil(try parse("name: r\nmodel: [relu]\n").optimizer.lookahead)
        let last = try parse("name: r\nmodel: [relu]\ntrain: {tta: flip_translate, tta_every_epoch: false}\n").train
        XCTAssertEqual(last.tta, .flipTranslate)
        XCTAssertFalse(last.ttaEveryEpoch)
        XCTAssertTrue(try parse("name: r\nmodel: [relu]\n").train.ttaEveryEpoch)
    }

    func testBadRecipeValuesAreRefused() {
        let scaleWithoutAffine = message("name: r\nmodel:\n  - batchnorm: {affine: false, scale: false}\n")
        XCTAssertTrue(scaleWithoutAffine.contains("r.yaml:3") && scaleWithoutAffine.contains("needs affine: true"), scaleWithoutAffine)
        for decay in ["0", "1", "1.5", "-0.2"] {
            let text = message("name: r\nmodel: [relu]\noptimizer:\n  lookahead: {decay: \(decay)}\n")
            XCTAssertTrue(text.contains("r.yaml:4") && text.contains("decay"), "decay \(decay): \(text)")
        }
        let every = message("name: r\nmodel: [relu]\noptimizer:\n  lookahead: {every: 0}\n")
        XCTAssertTrue(every.contains("every"), every)
        let scale = message("name: r\nmodel:\n  - fc: {outputs: 10, scale: 0}\n")
        XCTAssertTrue(scale.contains("r.yaml:3") && scale.contains("scale"), scale)
        let dirac = message("name: r\nmodel:\n  - conv: {filters: 4, size: 3, groups: 2, init: dirac}\n")
        XCTAssertTrue(dirac.contains("groups: 1"), dirac)
        let unknown = message("name: r\nmodel:\n  - conv: {filters: 4, size: 3, init: kaiming}\n")
        XCTAssertTrue(unknown.contains("he, xavier, dirac"), unknown)
    }
}
