import ArgumentParser
import Foundation
import KernelCheck
import Training

/// `conveyor check`: does Conveyor compute correctly on this device?
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run every kernel variant forward and backward against the CPU references; exit status 0 only if all pass.",
        discussion: """
            Each line is one kernel variant on one shape: the status, the largest relative error of its \
            results (|device - reference| / (|reference| + mean |reference|)) and the tolerance of the \
            parity tests, the device time of the checked pass, and '*' with the shipped pipelines that \
            run that variant on this device. A variant that does not build is reported with its \
            compiler log, a shape the device has no memory for as out-of-memory; the other lines still run.
            """)

    @Flag(help: "One or two shapes per layer kind (plus the pipelines' largest layers at batch 2): a minute or less on a CPU.")
    var quick = false

    @Flag(help: "Print one JSON object (device, pipelines, every result, summary) instead of lines.")
    var json = false

    @Option(help: "Only the lines whose variant or shape contains this text (or one of several, comma-separated), e.g. 'conv2d', 'per-element,batch 1'.")
    var only: String?

    @Option(help: "The folder of pipeline files whose choices are marked and whose largest layers are checked (default: pipelines/ here, beside the binary, or ../share/conveyor/pipelines from it).")
    var pipelines: String?

    @Option(help: "The batch of the pipelines' largest layers (default 2 with --quick, else 16), e.g. 1024 to check a GPU at the training batch.")
    var batch: Int?

    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        let allPassed = try CommandErrors.reporting { () -> Bool in
            let context = try deviceOptions.makeContext()
            var options = KernelCheck.Options()
            options.quick = quick
            options.only = only
            options.pipelineBatch = batch
            options.fault = try KernelCheckFault.fromEnvironment()
            let folder = pipelines.map { URL(fileURLWithPath: $0) } ?? KernelCheckPipeline.defaultFolder()
            if let folder {
                options.pipelineFiles = KernelCheckPipeline.files(in: folder)
                if options.pipelineFiles.isEmpty { throw ValidationError("no pipeline files (*.yaml) in \(folder.path)") }
            } else {
                FileHandle.standardError.write(Data(("note: no pipelines folder found (pipelines/ here, beside the binary or in "
                    + "../share/conveyor/pipelines); pass --pipelines DIR to check the shipped pipelines' layers and choices\n").utf8))
            }
            if !json {
                let device = context.device
                print("conveyor check on \(device.name) (\(device.kind.rawValue), \(device.platformName), driver \(device.driverVersion))"
                      + (quick ? ", quick" : ""))
                if !options.pipelineFiles.isEmpty {
                    print("pipelines: " + options.pipelineFiles.joined(separator: ", ")
                          + "; * = chosen by these pipelines on this device")
                }
                print("")
            }
            let report = try KernelCheck(context: context, options: options).run { result in
                guard !json else { return }
                print(CheckCommand.line(result))
                fflush(stdout)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("")
                print(CheckCommand.summary(report))
            }
            return report.allPassed
        }
        if !allPassed { throw ExitCode.failure }
    }

    /// "pass   conv2d cpu-implicit   3x32x32 -> 32x32x32 5x5 p2, batch 1   err 3.0e-07 <= 1e-04   4.1 ms  * cifar10-quick"
    static func line(_ result: KernelCheckResult) -> String {
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
        var shape = result.shape
        if let origin = result.origin { shape += " (\(origin))" }
        var text = pad(result.status.rawValue, 15) + pad(result.variant.description, 34) + " " + pad(shape, 62)
        if let worst = result.worst {
            let error = worst.error.isFinite ? String(format: "%.1e", worst.error) : "\(worst.error)"
            text += " err " + pad(error, 8) + (worst.passed ? " <= " : " >  ") + pad(String(format: "%.0e", worst.tolerance), 6)
                + String(format: " %9.2f ms", result.milliseconds)
            if !worst.passed { text += "  (\(worst.what))" }
        }
        if !result.chosenBy.isEmpty, result.status != .notApplicable { text += "  * " + result.chosenBy.joined(separator: " ") }
        if let detail = result.detail {
            let lines = detail.split(separator: "\n", omittingEmptySubsequences: true)
            if result.status == .notApplicable {
                text += "  (" + (lines.first.map(String.init) ?? "") + ")"
            } else {
                text += "\n" + lines.map { "        " + $0 }.joined(separator: "\n")
            }
        }
        return text.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }

    static func summary(_ report: KernelCheckReport) -> String {
        let s = report.summary
        var text = "\(s.lines - s.notApplicable) lines run (\(s.variants) variants): \(s.passed) passed, \(s.failed) failed, "
            + "\(s.buildFailed) did not build, \(s.outOfMemory) out of memory, \(s.errors) other errors; "
            + "\(s.notApplicable) not applicable (the variant cannot run that shape)"
        for pipeline in report.pipelines {
            text += "\n\(pipeline.name) runs: " + pipeline.variants.joined(separator: ", ")
        }
        text += report.allPassed ? "\nall checks passed" : "\nFAILED: \(s.lines - s.passed - s.notApplicable) lines did not pass"
        return text
    }
}
