import ArgumentParser
import Checkpoints
import Foundation
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
            var overrides = ["data.prefetch=1"]
            if let data {
                overrides += ["data.source=cifar10", "data.path=\(data)", "data.validation=[\(split)]"]
            }
            var stored = try StoredModel(path: checkpoint, overrides: overrides, device: deviceOptions.device)
            var images = try? stored.validationData()
            if images == nil && data == nil && stored.config.data.source == .cifar10 {
                print("the pipeline's data (\(stored.config.data.path)) is absent; using synthetic images")
                stored = try StoredModel(path: checkpoint, overrides: overrides + ["data.source=synthetic"], device: deviceOptions.device)
                images = try stored.validationData()
            }
            let dump = try ActivationDump.capture(model: stored.model, data: images ?? stored.validationData(),
                                                  slots: try stored.slots(batch: count), count: count)
            try dump.write(to: out)
            print("wrote \(out): \(dump.count) images, \(dump.layers.count) layers")
        }
    }
}
