import Layers
import OpenCLRuntime
import XCTest

/// The registered layer kinds: one word each, and a shape rule that agrees with the layer built
/// on the device for every shape `conveyor check` runs.
final class LayerKindTests: XCTestCase {
    func testWordsAndPrefixesAreRegisteredOnce() {
        let words = LayerKinds.words
        XCTAssertEqual(Set(words).count, words.count, "a word is registered twice: \(words)")
        for kind in LayerKinds.registered {
            XCTAssertFalse(kind.namePrefix.isEmpty, kind.word)
            XCTAssertFalse(kind.keys.contains("name"), "\(kind.word): every layer takes `name`; it is not a kind's key")
            XCTAssertTrue(kind.listKeys.allSatisfy(kind.keys.contains), "\(kind.word): list keys must be among its keys")
            XCTAssertTrue(LayerKinds.named(kind.word).map { $0 == kind } ?? false, kind.word)
        }
        XCTAssertNil(LayerKinds.named("convolution"))
    }

    func testEveryKindHasCheckShapesInTheQuickSet() {
        for kind in LayerKinds.registered {
            let shapes = kind.checkShapes
            XCTAssertFalse(shapes.isEmpty, "\(kind.word) has no shapes for conveyor check")
            XCTAssertTrue(shapes.contains(where: \.quick), "\(kind.word) has no shape in check --quick")
            XCTAssertTrue(shapes.allSatisfy { type(of: $0.kind) == kind }, "\(kind.word) lists another kind's shapes")
        }
    }

    /// The shape rule (no device) against the layer the kind builds, and its variants' names
    /// against the variant the built layer reports.
    func testShapeRuleAndVariantsMatchTheBuiltLayer() throws {
        let context = try makeTestContext()
        for kind in LayerKinds.registered {
            for shape in kind.checkShapes {
                let expected = try shape.kind.outputShape(layer: "check", input: shape.input)
                let layer = try shape.kind.makeLayer(LayerBuild(name: "check", input: shape.input, context: context,
                                                                gemmTuning: layerTestTuning, chunkImages: shape.chunkImages))
                XCTAssertEqual(layer.outputShape, expected, shape.label)
                XCTAssertEqual(layer.inputShape, shape.input, shape.label)
                let families = Set(shape.kind.checkVariants(input: shape.input, device: context.device).map(\.variant.family))
                XCTAssertEqual(families, [layer.kernelVariant.family], shape.label)
            }
        }
    }

    func testShapeRuleRefusesWhatTheLayerRefuses() throws {
        let context = try makeTestContext()
        let input = Shape(channels: 3, height: 4, width: 4)
        let kinds: [any LayerKind] = [
            Conv2DKind(Conv2DConfig(filters: 4, size: 5)),
            MaxPoolKind(Pool2DConfig(size: 5, stride: 1)),
            WhiteningKind(WhiteningConfig(size: 5)),
        ]
        for kind in kinds {
            XCTAssertThrowsError(try kind.outputShape(layer: "x", input: input), "\(kind)")
            XCTAssertThrowsError(try kind.makeLayer(LayerBuild(name: "x", input: input, context: context)), "\(kind)")
        }
    }
}
