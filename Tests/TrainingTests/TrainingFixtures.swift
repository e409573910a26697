import Checkpoints
import Foundation
import OpenCLRuntime
import PipelineConfig
@testable import Training

/// Small pipelines on the synthetic set, and one device context shared by the tests.
enum TrainingFixtures {
    static let context: ComputeContext = try! ComputeContext(selector: "cpu")

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-training-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A network small enough to train in seconds in a debug build, with every stateful layer kind.
    static func tinyPipeline(folder: URL, epochs: Int = 2, extra: String = "") -> String {
        """
        name: tiny
        data: {source: synthetic, synthetic_train: 640, synthetic_validation: 128, workers: 2, prefetch: 2}
        augment: {translate: 2, flip: true}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
          - batchnorm
          - relu
          - maxpool: {size: 2}
          - conv: {filters: 8, size: 4, stride: 2, padding: 1}
          - relu
          - dropout: {p: 0.2}
          - fc: {outputs: 10}
        loss: {type: softmax, label_smoothing: 0.1}
        optimizer: {lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 5.0e-4}
        schedule: {type: cosine, warmup_epochs: 0.5}
        train: {epochs: \(epochs), batch: 32, seed: 7}
        checkpoint: {folder: \(folder.path), interval: 1, keep: 2}
        \(extra)
        """
    }

    /// The tiny network with airbench's recipe options: a whitening layer measured from the data
    /// (its bias trained in the first epoch only), Dirac initialisation, batch norm without scale
    /// and a 64x learning rate on its shift, a scale on the logits, lookahead.
    static func recipePipeline(folder: URL, epochs: Int = 2) -> String {
        """
        name: tiny
        data: {source: synthetic, synthetic_train: 640, synthetic_validation: 128, workers: 2, prefetch: 2}
        augment: {translate: 2, flip: true}
        model:
          - whiten: {size: 2, bias_epochs: 1}
          - gelu
          - conv: {filters: 8, size: 3, padding: 1, bias: false, init: dirac}
          - batchnorm: {scale: false, momentum: 0.4}
          - gelu
          - maxpool: {size: 2, rounding: floor}
          - conv: {filters: 8, size: 3, padding: 1, bias: false, init: dirac}
          - batchnorm: {scale: false}
          - gelu
          - global_avgpool
          - fc: {outputs: 10, bias: false, scale: 0.111111}
        loss: {type: softmax, label_smoothing: 0.2}
        optimizer:
          lr: 0.2
          momentum: 0.85
          nesterov: true
          weight_decay: 5.0e-4
          decay_biases: true
          lr_multipliers: {norm: 64}
          wd_multipliers: {norm: 0.015625}
          lookahead: {every: 5, decay: 0.7737809375, power: 3}
        schedule: {type: piecewise, points: [[0, 0.2], [0.5, 1.0], [\(epochs), 0.07]]}
        train: {epochs: \(epochs), batch: 32, seed: 7}
        checkpoint: {folder: \(folder.path), interval: 1, keep: 2}
        """
    }

    /// A small residual network: an identity block, a projection block (stride 2) and a block
    /// whose body holds another block (and dropout), with a one-layer shortcut.
    static func residualPipeline(folder: URL, epochs: Int = 1) -> String {
        """
        name: tinyres
        data: {source: synthetic, synthetic_train: 320, synthetic_validation: 64, workers: 2, prefetch: 2}
        augment: {translate: 2, flip: true}
        model:
          - conv: {filters: 8, size: 3, padding: 1, bias: false}
          - batchnorm
          - relu
          - residual:
              body: [conv: {filters: 8, size: 3, padding: 1, bias: false}, batchnorm, relu,
                     conv: {filters: 8, size: 3, padding: 1, bias: false}, batchnorm]
              activation: relu
          - residual:
              body: [conv: {filters: 16, size: 3, padding: 1, stride: 2, rounding: floor, bias: false}, batchnorm, relu,
                     conv: {filters: 16, size: 3, padding: 1, bias: false}, batchnorm]
              shortcut: [conv: {filters: 16, size: 1, stride: 2, rounding: floor, bias: false}, batchnorm]
              activation: relu
          - residual:
              body: [residual: {body: [conv: {filters: 16, size: 3, padding: 1, bias: false}, batchnorm]}, relu, dropout: {p: 0.2}]
              shortcut: [conv: {filters: 16, size: 1, bias: false}]
          - global_avgpool
          - fc: {outputs: 10}
        loss: {type: softmax}
        optimizer: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}
        train: {epochs: \(epochs), batch: 32, seed: 7}
        checkpoint: {folder: \(folder.path), interval: 1, keep: 2}
        """
    }

    static func config(_ text: String, overrides: [String] = []) throws -> PipelineConfig {
        try PipelineConfig.parse(text: text, path: "tiny.yaml", overrides: overrides)
    }

    static func run(_ text: String, overrides: [String] = [], memoryLimit: Int? = nil, resume: Checkpoint? = nil) throws -> TrainingRun {
        try TrainingRun(config: config(text, overrides: overrides), memoryLimit: memoryLimit, resume: resume, context: context)
    }
}
