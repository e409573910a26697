import ArgumentParser
import FileOutput
import Foundation
import Plots

/// `conveyor plot RUN_FOLDER... --out curves.png`: loss and accuracy curves of runs.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw the loss and accuracy curves of one or more runs (their metrics.csv) as a PNG or an SVG.",
        discussion: "One color per run; training solid, validation dashed. See docs/export.md.")

    @Argument(help: "Run folders, e.g. runs/quickstart runs/cifar10-quick.")
    var runs: [String]

    @Option(help: "The picture to write: .png or .svg (the extension chooses the format).")
    var out: String

    @Flag(help: "Overwrite --out when it exists.")
    var force = false

    @Option(help: "Picture width in pixels.")
    var width = CurvesChart.defaultWidth

    @Option(help: "Picture height in pixels.")
    var height = CurvesChart.defaultHeight

    func run() throws {
        try CommandErrors.reporting {
            guard !runs.isEmpty else { throw ValidationError("give at least one run folder, such as runs/quickstart") }
            guard (400...8000).contains(width), (200...8000).contains(height) else {
                throw ValidationError("--width must be 400 to 8000 and --height 200 to 8000 pixels")
            }
            try OutputPath.checkNew(out, force: force)
            let format = try PlotFormat(path: out)
            let metrics = try runs.map { try RunMetrics.load(folder: $0) }
            let picture = try CurvesChart.draw(runs: metrics, width: width, height: height, format: format)
            try OutputFile.write(Data(try picture.encoded()), to: out)
            print("wrote \(out): \(width)x\(height) pixels, "
                  + metrics.map { "\($0.name) (\($0.epochs.count) epochs)" }.joined(separator: ", "))
        }
    }
}
