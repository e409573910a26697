import ArgumentParser
import FileOutput
import Foundation
import PipelineConfig
import Reports
import Training

/// `conveyor report RUN... --out report.html`: one self-contained HTML page about runs.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page about one or more runs: curves, accuracy with and without test-time "
            + "augmentation, per-class accuracy, the confusion matrix, the most confidently wrong images, filters, epochs.",
        discussion: "Several runs are compared side by side. The page needs no network and no other file. See docs/report.md.")

    @Argument(help: "Run folders (e.g. runs/quickstart) or checkpoint files.")
    var runs: [String]

    @Option(help: "In each run folder: best (best.h5, else last.h5), last, or a file name such as epoch-002.h5.")
    var checkpoint = "best"

    @Option(help: "A CIFAR-10 folder (binary layout) to evaluate on instead of the pipeline's data.")
    var data: String?

    @Option(help: "The split: 'validation' (the pipeline's), 'test', or batch numbers such as 5 or 1,2.")
    var split = "validation"

    @Option(help: "Test-time augmentation: none, flip or flip_translate (default: the pipeline's train.tta, or flip when it has none).")
    var tta: String?

    @Option(help: "The HTML file to write.")
    var out: String

    @Flag(help: "Overwrite --out when it exists.")
    var force = false

    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        try CommandErrors.reporting {
            guard !runs.isEmpty else { throw ValidationError("give at least one run folder, such as runs/quickstart") }
            let augmentation = try tta.map { word -> TestTimeAugmentation in
                guard let value = TestTimeAugmentation(rawValue: word) else {
                    let words = TestTimeAugmentation.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ValidationError("--tta must be one of \(words), not '\(word)'")
                }
                return value
            }
            // Before any work: a bad --out is refused at once.
            try OutputPath.checkNew(out, force: force)
            let start = Date()
            let builder = RunReportBuilder(checkpointChoice: checkpoint, data: data, split: split, tta: augmentation,
                                           device: deviceOptions.device)
            let reports = try runs.map { try builder.build(run: $0, runCount: runs.count) { print($0) } }
            let page = try ReportPage.html(runs: reports, generator: "conveyor \(ConveyorVersion.number)")
            // Written whole and renamed, as every other output: a full disk leaves no half page.
            try OutputFile.write(Data(page.utf8), to: out)
            for report in reports {
                let accuracy = report.evaluation.map { e in
                    String(format: "accuracy %.2f%%", e.withoutAugmentation.accuracy * 100)
                        + (e.result.testTimeAugmentation == "none" ? ""
                            : String(format: ", %.2f%% with %@", e.result.accuracy * 100, e.result.testTimeAugmentation))
                } ?? "not evaluated"
                print("\(report.name): \(report.checkpointPath), \(accuracy)"
                      + (report.evaluationSeconds.map { String(format: " (evaluation %.1f s)", $0) } ?? ""))
            }
            print(String(format: "wrote %@: %d run%@, %.0f KiB, in %.1f s", out, reports.count, reports.count == 1 ? "" : "s",
                         Double(page.utf8.count) / 1024, Date().timeIntervalSince(start)))
        }
    }
}
