import ArgumentParser
import Foundation
import OpenCLRuntime
import PipelineConfig
import Training

/// The options every command that runs a pipeline shares: overrides, batch, memory limit.
struct PipelineOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a pipeline value, e.g. --set train.epochs=1 (repeatable).",
                                                         valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(help: ArgumentHelp("Batch size: a number or 'auto' (overrides train.batch).", valueName: "N|auto"))
    var batch: String?

    @Option(help: ArgumentHelp("Plan and train as if the device had this much memory (e.g. 256MiB, 1GiB).", valueName: "SIZE"))
    var memoryLimit: String?

    /// The overrides, with `--batch` as one more.
    var allOverrides: [String] { overrides + (batch.map { ["train.batch=\($0)"] } ?? []) }

    func memoryLimitBytes() throws -> Int? {
        guard let memoryLimit else { return nil }
        if ByteCount.isTooLarge(memoryLimit) {
            throw ValidationError("--memory-limit \(memoryLimit) is larger than the maximum, 1024TiB; "
                                  + "give the memory to plan with, e.g. 256MiB or 16GiB")
        }
        guard let bytes = ByteCount.parse(memoryLimit), bytes > 0 else {
            throw ValidationError("--memory-limit '\(memoryLimit)' is not a size; write it like 256MiB, 1GiB or 4G")
        }
        guard bytes >= 1 << 20 else {
            throw ValidationError("--memory-limit \(memoryLimit) is below the minimum, 1MiB; give the memory to plan with, e.g. 256MiB")
        }
        return bytes
    }
}
