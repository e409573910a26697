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

    @Option(help: "With --data: the split ('test' or batch numbers such as 5; default 5).")
    var split: String?

    /// Activations of every layer are held in host memory for the whole dump.
    static let maximumCount = 1024

    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        try CommandErrors.reporting {
            guard (1...Self.maximumCount).contains(count) else {
                throw ValidationError("--count \(count) is out of range: give 1 to \(Self.maximumCount) images "
                                      + "(every layer's output of every image is kept in memory)")
            }
            try OutputPath.check(out)
            if let split, data == nil {
                throw ValidationError("--split \(split) needs --data FOLDER (a CIFAR-10 folder); without --data the images come from "
                                      + "the checkpoint's own validation split")
            }
            var overrides = ["data.prefetch=1"]
            if let data {
                let parts = try SplitOption.parse(split ?? "5", option: "--split").parts.map(\.description)
                overrides += ["data.source=cifar10", "data.path=\(data)", "data.validation=[\(parts.joined(separator: ","))]"]
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
