import InputData
import Layers
import XCTest
@testable import PipelineConfig

/// Defaults, layer naming, and the shipped pipeline files.
final class PipelineDefaultsTests: XCTestCase {
    func testDefaults() throws {
        let config = try PipelineConfig.parse(text: "name: t\nmodel: [relu]\n", path: "d.yaml")
        XCTAssertEqual(config.name, "t")
        XCTAssertNil(config.device)
        XCTAssertEqual(config.data, DataSettings())
        XCTAssertEqual(config.data.source, .synthetic)
        XCTAssertEqual(config.data.train, [.batch(1), .batch(2), .batch(3), .batch(4)])
        XCTAssertEqual(config.data.validation, [.batch(5)])
        XCTAssertEqual(config.data.syntheticTrain, 10000)
        XCTAssertEqual(config.augment.normalization, .auto)
        XCTAssertEqual(config.loss.type, .softmax)
        XCTAssertEqual(config.optimizer.lr, 0.01)
        XCTAssertEqual(config.optimizer.momentum, 0.9)
        XCTAssertEqual(config.optimizer.decay, .l2)
        XCTAssertEqual(config.schedule.type, .constant)
        XCTAssertEqual(config.train.epochs, 10)
        XCTAssertEqual(config.train.batch, .fixed(100))
        XCTAssertEqual(config.train.tta, .none)
        XCTAssertEqual(config.train.memoryFraction, 0.9)
        XCTAssertNil(config.train.referenceBatch)
        XCTAssertEqual(config.checkpoint, CheckpointSettings())
        XCTAssertEqual(config.sourcePath, "d.yaml")
        XCTAssertEqual(config.sourceText, "name: t\nmodel: [relu]\n")
    }

    func testValuesAndWords() throws {
        let text = """
        name: t
        device: 1
        data: {source: cifar10, train: [1, test], validation: []}
        augment: {translate: 4, normalize: {mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}}
        model:
          - batchnorm: {epsilon: 1e-5}
          - dropout
        loss: {type: svm, margin: 2}
        optimizer: {decay: decoupled, nesterov: yes}
        train: {batch: 64, tta: flip, reference_batch: 128}
        """
        let config = try PipelineConfig.parse(text: text, path: "v.yaml")
        XCTAssertEqual(config.device, "1")
        XCTAssertEqual(config.data.train, [.batch(1), .test])
        XCTAssertEqual(config.data.validation, [])
        XCTAssertEqual(config.augment.normalization, .meanStd(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]))
        XCTAssertEqual(config.model[0].kind as? BatchNormKind, BatchNormKind())
        XCTAssertEqual(config.model[1].kind as? DropoutKind, DropoutKind())
        XCTAssertEqual(config.loss.type, .svm)
        XCTAssertEqual(config.loss.margin, 2)
        XCTAssertEqual(config.optimizer.decay, .decoupled)
        XCTAssertTrue(config.optimizer.nesterov)
        XCTAssertEqual(config.train.batch, .fixed(64))
        XCTAssertEqual(config.train.tta, .flip)
        XCTAssertEqual(config.train.referenceBatch, 128)
    }

    /// airbench's augmentation details and its test-time augmentation, and what the old words still mean.
    func testAirbenchAugmentationWords() throws {
        let base = "name: t\nmodel:\n  - fc: {outputs: 10}\n"
        let airbench = try PipelineConfig.parse(text: base + """
            augment: {translate: 2, translate_padding: reflect, flip: alternate}
            train: {tta: flip_translate}
            """, path: "a.yaml")
        XCTAssertEqual(airbench.augment.flip, .alternate)
        XCTAssertEqual(airbench.augment.translatePadding, .reflect)
        XCTAssertEqual(airbench.train.tta, .flipTranslate)
        let plain = try PipelineConfig.parse(text: base + "augment: {translate: 2, flip: false}\n", path: "p.yaml")
        XCTAssertEqual(plain.augment.flip, .off)
        XCTAssertEqual(plain.augment.translatePadding, .mean)
        XCTAssertEqual(try PipelineConfig.parse(text: base, path: "p.yaml", overrides: ["augment.flip=alternate", "train.tta=flip_translate"]).augment.flip,
                       .alternate)
        XCTAssertThrowsError(try PipelineConfig.parse(text: base + "augment: {translate_padding: mirror}\n", path: "p.yaml")) { error in
            XCTAssertTrue("\(error)".contains("expected one of mean, reflect"), "\(error)")
        }
        XCTAssertThrowsError(try PipelineConfig.parse(text: base + "augment: {translate: 40, translate_padding: reflect}\n", path: "p.yaml")) { error in
            XCTAssertTrue("\(error)".contains("at most 16"), "\(error)")
        }
        XCTAssertThrowsError(try PipelineConfig.parse(text: base + "train: {tta: translate}\n", path: "p.yaml")) { error in
            XCTAssertTrue("\(error)".contains("none, flip, flip_translate"), "\(error)")
        }
    }

    func testLayerNamingAndLines() throws {
        let text = """
        name: t
        model:
          - conv: {filters: 8, size: 3}
          - relu
          - maxpool: {size: 3, stride: 2, rounding: ceil}
          - conv: {filters: 8, size: 3, name: middle}
          - avgpool
          - conv: {filters: 8, size: 3}
          - global_avgpool
          - batchnorm
          - fc: {outputs: 10}
        """
        let config = try PipelineConfig.parse(text: text, path: "n.yaml")
        XCTAssertEqual(config.model.map(\.name), ["conv1", "relu1", "pool1", "middle", "pool2", "conv3", "gap1", "bn1", "fc1"])
        XCTAssertEqual(config.model.map(\.line), [3, 4, 5, 6, 7, 8, 9, 10, 11])
        guard let pool = (config.model[2].kind as? MaxPoolKind)?.config, let avg = (config.model[4].kind as? AvgPoolKind)?.config else {
            return XCTFail("wrong kinds")
        }
        XCTAssertEqual(pool.rounding, .ceil)
        XCTAssertEqual(avg.stride, 2, "stride defaults to size")
        XCTAssertEqual(config.model[0].kind.word, "conv")
    }

    func testShippedPipelinesLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["quickstart", "cifar10-quick", "cifar10-fast"] {
            let path = root.appendingPathComponent("pipelines/\(name).yaml").path
            let config = try PipelineConfig.load(path: path)
            XCTAssertEqual(config.name, name)
            XCTAssertEqual(config.sourcePath, path)
            guard let last = (config.model.last?.kind as? FullyConnectedKind)?.config else { return XCTFail("\(name) does not end in fc") }
            XCTAssertEqual(last.outputs, 10)
        }
        let fast = try PipelineConfig.load(path: root.appendingPathComponent("pipelines/cifar10-fast.yaml").path)
        XCTAssertEqual(fast.train.batch, .fixed(1024))
        XCTAssertEqual(fast.train.tta, .flipTranslate)
        XCTAssertFalse(fast.train.ttaEveryEpoch)
        XCTAssertEqual(fast.loss.labelSmoothing, 0.2)
        XCTAssertTrue(fast.optimizer.nesterov)
    }

    func testMissingFile() {
        XCTAssertThrowsError(try PipelineConfig.load(path: "/nonexistent/p.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/p.yaml: cannot read the pipeline file"), "\(error)")
        }
    }
}
