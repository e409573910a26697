import ArgumentParser
import Distributed
import InputData
import Foundation
import OpenCLRuntime
import PipelineConfig
import Training

/// `conveyor bench PIPELINE`: training images/s, per-layer timings and the input stages' speed.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure steady-state training speed, per-layer forward/backward time and GFLOP/s, and input speed.")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(help: "Training steps timed after warm-up.")
    var steps = 20

    @Flag(help: "Time each layer's forward and backward pass.")
    var layers = false

    @Flag(help: "Profile the training steps kernel by kernel (device time per step).")
    var kernels = false

    @Flag(help: "Measure the input stages (load, crop, flip, normalise) without the device.")
    var input = false

    @Flag(help: "Also train with the CPU references on the host (OpenBLAS matrix products) and report their images/s.")
    var reference = false

    @Option(help: "Threads for the OpenBLAS reference path (default: OpenBLAS's own choice).")
    var referenceThreads: Int?

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        // Under mpirun every rank trains its share and rank 0 reports, with the all-reduce time.
        let communicator = try MPILaunch.communicator()
        try CommandErrors.reporting(communicator: communicator) {
            guard (1...10_000).contains(steps) else {
                throw ValidationError("--steps \(steps) is out of range: give 1 to 10000 timed steps")
            }
            if let referenceThreads, !(1...1024).contains(referenceThreads) {
                throw ValidationError("--reference-threads \(referenceThreads) is out of range: give 1 to 1024 threads")
            }
            var overrides = pipelineOptions.allOverrides
            // The device benchmark needs no data set: it trains on one random batch. An image
            // folder stays (its import is cached), since its size and classes shape the network.
            if try PipelineConfig.load(path: pipeline, overrides: overrides).data.source != .folder {
                overrides.append("data.source=synthetic")
            }
            let config = try PipelineConfig.load(path: pipeline, overrides: overrides)
            // A kernel profile needs a profiling queue, which records an event per launch.
            let context = kernels ? try ComputeContext(selector: deviceOptions.device ?? config.device, profiling: true) : nil
            let selector = communicator.size > 1 ? try deviceOptions.device ?? DeviceSelector.selector(forLocalRank: communicator.localRank)
                : deviceOptions.device
            let run = try TrainingRun(config: config, deviceSelector: selector,
                                      memoryLimit: pipelineOptions.memoryLimitBytes(), context: context, communicator: communicator,
                                      tuner: CommandTuning.tuner())
            let report = try TrainingBenchmark(step: run.step, batch: run.localBatch, pipeline: config.name)
                .run(steps: steps, layers: layers, kernels: kernels)
            // A few steps suffice: the reference path is 10-100x slower than the kernels.
            let referenceReport = reference
                ? try ReferenceTrainingBenchmark(step: run.step, batch: run.batch).run(steps: max(1, min(steps, 3)), threads: referenceThreads) : nil
            // The input benchmark reads the pipeline's own data (real CIFAR-10 when it says so).
            let inputRate = input ? try InputBenchmarkRunner.imagesPerSecond(
                config: PipelineConfig.load(path: pipeline, overrides: pipelineOptions.allOverrides), batch: run.batch) : nil
            guard communicator.isRoot else { return }
            if json {
                try printJSON(report, inputImagesPerSecond: inputRate, reference: referenceReport)
            } else {
                printTables(report, inputImagesPerSecond: inputRate, reference: referenceReport)
            }
        }
    }

    private func printTables(_ report: TrainingBenchmark.Report, inputImagesPerSecond: Double?,
                             reference: ReferenceTrainingBenchmark.Report?) {
        print("\(report.pipeline) on \(report.device) (\(report.deviceType)), batch \(report.batch), \(report.steps) steps")
        print(String(format: "training: %.1f images/s, %.2f ms/step, %.1f GFLOP/s (backward counted as 2x forward; 1x in the first layer)",
                     report.imagesPerSecond, report.millisecondsPerStep, report.trainingGFLOPS))
        print(String(format: "per step: %.0f kernel launches, %.0f buffer commands, %.1f host waits",
                     report.kernelLaunchesPerStep, report.bufferCommandsPerStep, report.hostWaitsPerStep))
        if let ranks = report.ranks, let allReduce = report.allReduceMillisecondsPerStep {
            print(String(format: "data-parallel: %d ranks of %d images; per step %.2f ms averaging gradients (all-reduce, "
                         + "including any wait for a slower rank, and write back) and %.2f ms compute", ranks, report.batch / ranks, allReduce,
                         report.millisecondsPerStep - allReduce))
        }
        if !report.peakGFLOPS.isNaN {
            print(String(format: "device FP32 peak (multiply-add kernel): %.1f GFLOP/s; training reaches %.1f%%",
                         report.peakGFLOPS, 100 * report.trainingGFLOPS / report.peakGFLOPS))
        }
        if !report.theoreticalPeakGFLOPS.isNaN {
            print("theoretical FP32 peak: \(report.theoreticalPeakBasis)")
            print(String(format: "  measured peak is %.1f%% of it, training %.1f%%", 100 * report.peakGFLOPS / report.theoreticalPeakGFLOPS,
                         100 * report.trainingGFLOPS / report.theoreticalPeakGFLOPS))
        }
        if let reference {
            print(String(format: "OpenBLAS CPU reference path (host, %d threads): %.1f images/s, %.1f ms/step; OpenCL is %.1fx faster",
                         reference.threads, reference.imagesPerSecond, reference.millisecondsPerStep,
                         report.imagesPerSecond / reference.imagesPerSecond))
        }
        if !report.layers.isEmpty {
            let rows = report.layers.map { t in
                [t.layer, t.outputShape, t.kernels, String(format: "%.3f", t.forwardMilliseconds), String(format: "%.3f", t.backwardMilliseconds),
                 String(format: "%.1f", t.forwardGFLOPS), String(format: "%.1f", t.backwardGFLOPS),
                 t.forwardFractionOfPeak.isNaN ? "" : String(format: "%.1f%%", 100 * t.forwardFractionOfPeak)]
            }
            print("")
            print(TextTable.render(header: ["layer", "output", "kernels", "fwd ms", "bwd ms", "fwd GFLOP/s", "bwd GFLOP/s", "fwd % peak"], rows: rows))
        }
        if !report.kernels.isEmpty {
            let rows = report.kernels.map { k in
                [k.kernel, String(format: "%.1f", k.launchesPerStep), String(format: "%.3f", k.millisecondsPerStep),
                 String(format: "%.1f%%", 100 * k.fractionOfStep)]
            }
            print("")
            print(TextTable.render(header: ["kernel", "launches/step", "ms/step", "share"], rows: rows))
        }
        if let inputImagesPerSecond {
            print(String(format: "\ninput stages (load, crop, flip, normalise; no device): %.0f images/s", inputImagesPerSecond))
        }
    }

    private func printJSON(_ report: TrainingBenchmark.Report, inputImagesPerSecond: Double?,
                           reference: ReferenceTrainingBenchmark.Report?) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var object = try JSONSerialization.jsonObject(with: encoder.encode(report)) as! [String: Any]
        if let inputImagesPerSecond { object["input_images_per_second"] = inputImagesPerSecond }
        if let reference {
            object["reference"] = try JSONSerialization.jsonObject(with: encoder.encode(reference))
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
