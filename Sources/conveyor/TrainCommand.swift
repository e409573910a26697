import ArgumentParser
import Checkpoints
import Foundation
import PipelineConfig
import OpenCLRuntime
import Training

/// `conveyor train PIPELINE`: the main job.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the network of a pipeline file; checkpoints and metrics go to runs/<name>/.")

    @Argument(help: "The pipeline file (YAML), e.g. pipelines/quickstart.yaml.")
    var pipeline: String

    @Option(help: "Resume from this checkpoint (weights, momentum, position, random state).")
    var resume: String?

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Per-stage input statistics and peak device memory after each epoch.")
    var verbose = false

    func run() throws {
        try CommandErrors.reporting {
            let config = try PipelineConfig.load(path: pipeline, overrides: pipelineOptions.allOverrides)
            let checkpoint = try resume.map { try CheckpointFile.load(from: $0) }
            try TrainCommand.train(config: config, checkpoint: checkpoint, device: deviceOptions.device,
                                   memoryLimit: pipelineOptions.memoryLimitBytes(), verbose: verbose)
        }
    }

    /// Shared with `conveyor resume`.
    static func train(config: PipelineConfig, checkpoint: Checkpoint?, device: String?, memoryLimit: Int?, verbose: Bool) throws {
        StopRequest.install()
        let run = try TrainingRun(config: config, deviceSelector: device, memoryLimit: memoryLimit, resume: checkpoint)
        print(run.batchSummary)
        if verbose { KernelChoiceLines.lines(layers: run.network.layers, loss: run.model.loss).forEach { print($0) } }
        let trainer = try Trainer(run: run, options: .init(verbose: verbose))
        try trainer.train()
        if verbose { print("peak device memory held by the allocator: \(ByteCount.format(run.context.memory.peak))") }
        if let signal = trainer.stoppedBySignal { throw ExitCode(128 + signal) }
        print("done: checkpoints in \(run.runFolder.path) (last.h5, best.h5), metrics in \(run.runFolder.path)/metrics.csv")
    }
}

/// `conveyor resume CHECKPOINT`: train on, with the pipeline stored in the checkpoint.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume training from a checkpoint, with the pipeline stored inside it.")

    @Argument(help: "The checkpoint, e.g. runs/quickstart/last.h5.")
    var checkpoint: String

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Per-stage input statistics and peak device memory after each epoch.")
    var verbose = false

    func run() throws {
        try CommandErrors.reporting {
            let saved = try CheckpointFile.load(from: checkpoint)
            let config = try PipelineConfig.parse(text: saved.config, path: "\(checkpoint) (stored pipeline)",
                                                  overrides: pipelineOptions.allOverrides)
            try TrainCommand.train(config: config, checkpoint: saved, device: deviceOptions.device,
                                   memoryLimit: pipelineOptions.memoryLimitBytes(), verbose: verbose)
        }
    }
}
