import ArgumentParser
import Checkpoints
import Foundation
import PipelineConfig
import Training

/// `conveyor activations CHECKPOINT --out FILE.h5`: every layer's output for a few images.
struct ActivationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activations",
        abstract: "Write /input, /labels and /activations/<layer> [N, C, H, W] for N images to an HDF5 file.")

    @Argument(help: "The checkpoint.")
    var checkpoint: String

    @Option(help: "The HDF5 file to write.")
    var out: String

    @Option(help: "How many images.")
    var count = 16

    @Option(help: "A CIFAR-10 folder; without it the pipeline's data is used, or synthetic data when that is absent.")
    var data: String?

    @Option(help: "With --data: the split ('test' or batch numbers such as 5).")
    var split = "5"

    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        try CommandErrors.reporting {
            guard count >= 1 else { throw ValidationError("--count must be at least 1") }
            let saved = try CheckpointFile.load(from: checkpoint)
            var overrides = ["train.batch=\(count)", "data.prefetch=1"]
            if let data {
                overrides += ["data.source=cifar10", "data.path=\(data)", "data.validation=[\(split)]"]
            }
            var config = try PipelineConfig.parse(text: saved.config, path: "\(checkpoint) (stored pipeline)", overrides: overrides)
            if config.data.source == .cifar10 && data == nil && (try? TrainingData(config: config)) == nil {
                print("the pipeline's data (\(config.data.path)) is absent; using synthetic images")
                config = try PipelineConfig.parse(text: saved.config, path: "\(checkpoint) (stored pipeline)",
                                                  overrides: overrides + ["data.source=synthetic"])
            }
            let setup = try TrainingSetup(config: config, deviceSelector: deviceOptions.device)
            _ = try CheckpointMapping.restore(saved, into: setup)
            let dump = try ActivationDump.capture(setup: setup, count: count)
            try dump.write(to: out)
            print("wrote \(out): \(dump.count) images, \(dump.layers.count) layers")
        }
    }
}
