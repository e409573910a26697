import ArgumentParser
import Foundation
import Layers
import OpenCLRuntime
import Training

/// `conveyor tuning`: what the convolution tuner measured on this machine, and how to forget it.
struct TuningCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tuning",
        abstract: "Show or clear the measured convolution choices (algorithm, chunk size) cached on disk.",
        discussion: """
            The first run of a network on a machine times each convolution shape's candidate \
            algorithms and chunk sizes and keeps the fastest in the cache file, keyed by device, \
            driver and CPU model. CONVEYOR_TUNING=off keeps the built-in rules instead; \
            CONVEYOR_TUNING_CACHE names another file.
            """)

    @Flag(help: "Delete the cache file: every convolution is measured again on its next use.")
    var clear = false

    func run() throws {
        let cache = TuningCache()
        if clear {
            let removed = try CommandErrors.reporting { try cache.clear() }
            print(removed ? "removed \(cache.url.path)" : "no tuning cache at \(cache.url.path)")
            return
        }
        if let damaged = cache.damaged { print("warning: " + damaged) }
        let entries = cache.entries
        guard !entries.isEmpty else {
            print("no tuning cache at \(cache.url.path): convolutions are measured at their first use")
            return
        }
        print("tuning cache: \(cache.url.path)")
        for machine in entries.keys.sorted() {
            print("\n\(machine)")
            let rows = entries[machine]!.sorted { $0.key < $1.key }.map { key, choice in
                [key, choice.algorithm, ByteCount.format(choice.chunkBudgetBytes),
                 String(format: "%.1f", choice.milliseconds), String(format: "%.1f", choice.ruleMilliseconds)]
            }
            print(TextTable.render(header: ["layer shape", "algorithm", "chunk", "ms", "rules ms"], rows: rows))
        }
    }
}

/// The tuner every command that builds a network uses; its notes go to standard error, so
/// `--json` output stays JSON.
enum CommandTuning {
    static func tuner() -> ConvolutionTuner? {
        ConvolutionTuner.fromEnvironment { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// The tuner, saying on `status` which layer and candidate it is measuring.
    static func tuner(status: StartupStatus) -> ConvolutionTuner? {
        let tuner = ConvolutionTuner.fromEnvironment { line in
            status.clear()
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        tuner?.progress = { layer, candidate, candidates in
            status.show("start-up: tuning \(layer): candidate \(candidate) of \(candidates)",
                        log: candidate == 1 ? "start-up: tuning \(layer) (\(candidates) candidates)" : nil)
        }
        return tuner
    }
}
