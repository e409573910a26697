import ArgumentParser
import Checkpoints
import FileOutput
import FilterImages
import Foundation

/// `conveyor filters CHECKPOINT --out conv1.png`: the first convolution's filters as a picture.
struct FiltersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filters",
        abstract: "Write the first convolution's learned filters as a PNG grid (RGB for 3 input channels).")

    @Argument(help: "The checkpoint, e.g. runs/quickstart/best.h5.")
    var checkpoint: String

    @Option(help: "The PNG file to write.")
    var out: String

    @Option(help: "The layer whose filters to draw (default: the first layer with a 4-D weight).")
    var layer: String?

    @Option(help: "Enlarge every weight to SxS pixels.")
    var scale = 8

    func run() throws {
        try CommandErrors.reporting {
            guard scale >= 1 && scale <= 64 else { throw ValidationError("--scale must be between 1 and 64") }
            try OutputPath.check(out)
            let saved = try CheckpointFile.load(from: checkpoint)
            let convolutions = saved.layers.filter { $0.tensors["weight"]?.shape.count == 4 }
            let chosen: Checkpoint.LayerTensors
            if let layer {
                guard let match = saved.layers.first(where: { $0.name == layer }), match.tensors["weight"]?.shape.count == 4 else {
                    throw ValidationError("layer '\(layer)' is not a convolution in \(checkpoint); its convolutions are: "
                                          + convolutions.map(\.name).joined(separator: ", "))
                }
                chosen = match
            } else {
                guard let first = convolutions.first else {
                    throw ValidationError("\(checkpoint) has no convolution layer whose filters could be drawn")
                }
                chosen = first
            }
            let grid = try FilterGrid(weights: chosen.tensors["weight"]!, scale: scale)
            try OutputFile.write(try grid.image.encoded(), to: out)
            let shape = chosen.tensors["weight"]!.shape
            print("wrote \(out): \(shape[0]) filters of \(chosen.name) (\(shape[1]) channels, \(shape[2])x\(shape[3])), "
                  + "\(grid.image.width)x\(grid.image.height) pixels"
                  + (grid.usesChannelMean ? "; more than 3 input channels, so each tile is their mean in grey" : ""))
        }
    }
}
