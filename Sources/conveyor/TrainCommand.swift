import ArgumentParser
import Checkpoints
import Distributed
import Foundation
import Model
import PipelineConfig
import OpenCLRuntime
import Training

/// `conveyor train PIPELINE`: the main job.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the network of a pipeline file; checkpoints and metrics go to runs/<name>/.",
        discussion: "A run folder that already holds a run is refused: go on with --resume FOLDER (or `conveyor resume FOLDER`), "
            + "or delete the earlier run with --force. A folder another process trains into is refused (run.lock).")

    @Argument(help: "The pipeline file (YAML), e.g. pipelines/quickstart.yaml.")
    var pipeline: String

    @Option(help: "Resume from this checkpoint, or from the newest complete checkpoint of this run folder.")
    var resume: String?

    @Flag(help: "Delete the run the run folder already holds and start over (with --resume: allow resuming a checkpoint older than the folder's newest).")
    var force = false

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Per-stage input statistics and peak device memory after each epoch.")
    var verbose = false

    func run() throws {
        // First, so that a signal while the pipeline is read or kernels build exits cleanly.
        StopRequest.install()
        // MPI only when mpirun started this process; otherwise a single-process communicator.
        let communicator = try MPILaunch.communicator()
        try CommandErrors.reporting(communicator: communicator) {
            let config = try PipelineConfig.load(path: pipeline, overrides: pipelineOptions.allOverrides)
            let resumed = try resume.map { try TrainCommand.openCheckpoint($0, communicator: communicator) }
            try TrainCommand.train(config: config, checkpoint: resumed, force: force, device: deviceOptions.device,
                                   memoryLimit: pipelineOptions.memoryLimitBytes(), verbose: verbose, communicator: communicator)
        }
    }

    /// A checkpoint file, or the newest complete checkpoint of a run folder.
    static func openCheckpoint(_ path: String, communicator: Communicator) throws -> (path: String, checkpoint: Checkpoint) {
        let print = { (line: String) in if communicator.isRoot { Swift.print(line) } }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            let newest = try RunFolder.newestCheckpoint(in: URL(fileURLWithPath: path))
            for line in newest.skipped { print("skipped \(line)") }
            print("resuming from \(newest.path) (epoch \(newest.checkpoint.epoch), step \(newest.checkpoint.step)), "
                  + "the newest complete checkpoint of \(path)")
            try CheckpointMapping.validate(newest.checkpoint, path: newest.path)
            return (newest.path, newest.checkpoint)
        }
        let checkpoint = try CheckpointFile.load(from: path)
        try CheckpointMapping.validate(checkpoint, path: path)
        return (path, checkpoint)
    }

    /// Shared with `conveyor resume`.
    static func train(config: PipelineConfig, checkpoint: (path: String, checkpoint: Checkpoint)?, force: Bool, device: String?,
                      memoryLimit: Int?, verbose: Bool, communicator: Communicator) throws {
        StopRequest.install()
        // In a data-parallel run rank 0 alone owns the run folder and prints.
        let print = { (line: String) in if communicator.isRoot { Swift.print(line) } }
        let mode: RunFolder.Mode = checkpoint.map { .resume(checkpoint: $0.path, force: force) } ?? (force ? .force : .new)
        // Held until the process exits: no other process trains into this folder meanwhile.
        let folder = communicator.isRoot ? try RunFolder(config: config, mode: mode) : nil
        // Each rank takes its local rank's device unless --device names one.
        let selector = communicator.size > 1 ? try device ?? DeviceSelector.selector(forLocalRank: communicator.localRank) : device
        // Building kernels and tuning convolutions can take seconds to minutes on a CPU: say which is under way.
        let status = StartupStatus(enabled: communicator.isRoot)
        status.show("start-up: building the network's kernels and buffers")
        let tuner = CommandTuning.tuner(status: status)
        let run = try TrainingRun(config: config, deviceSelector: selector, memoryLimit: memoryLimit, resume: checkpoint?.checkpoint,
                                  communicator: communicator, tuner: tuner)
        status.clear()
        print(run.batchSummary)
        if communicator.size > 1 {
            print("data-parallel: \(communicator.size) ranks, \(run.localBatch) images each per step, gradients averaged"
                  + (config.train.syncBatchnorm ? ", batch norm synchronised" : ", batch norm per rank"))
        }
        if !run.hasValidation {
            print("warning: the pipeline has no validation split (data.validation or data.synthetic_validation is empty): "
                  + "validation is skipped, the val columns stay empty and no best.h5 is written")
        }
        if let checkpoint {
            // Checked before the folder is touched: a checkpoint of another network or position changes nothing.
            let differences = run.model.differences(from: checkpoint.checkpoint)
            guard differences.isEmpty else { throw CheckpointMismatch(differences: differences) }
            try CheckpointMapping.checkPosition(checkpoint.checkpoint, path: checkpoint.path, stepsPerEpoch: run.trainBatchesPerEpoch)
            // A kill after the checkpoint's save can have left rows of later epochs or a missing best/numbered file.
            try folder?.resetMetrics(to: checkpoint.checkpoint.metrics)
            try folder?.completeInterruptedSave(checkpoint.checkpoint, stepsPerEpoch: run.trainBatchesPerEpoch,
                                               interval: config.checkpoint.interval, keep: config.checkpoint.keep)
        }
        for note in folder?.notes ?? [] { print(note) }
        if verbose { KernelChoiceLines.lines(layers: run.network.layers, loss: run.model.loss).forEach { print($0) } }
        let trainer = try Trainer(run: run, options: .init(verbose: verbose))
        StopRequest.trainingStarted()
        try trainer.train()
        if verbose { print("peak device memory held by the allocator: \(ByteCount.format(run.context.memory.peak))") }
        if let signal = trainer.stoppedBySignal { throw ExitCode(128 + signal) }
        print("done: checkpoints in \(run.runFolder.path) (last.h5\(run.hasValidation ? ", best.h5" : "")), "
              + "metrics in \(run.runFolder.path)/metrics.csv")
        withExtendedLifetime(folder) {}
    }
}

/// `conveyor resume CHECKPOINT|FOLDER`: train on, with the pipeline stored in the checkpoint.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume training from a checkpoint (or a run folder's newest complete one), with the pipeline stored inside it.")

    @Argument(help: "The checkpoint, e.g. runs/quickstart/last.h5, or a run folder such as runs/quickstart.")
    var checkpoint: String

    @Flag(help: "Allow resuming a checkpoint older than the newest one of its run folder (the newer ones are overwritten).")
    var force = false

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Per-stage input statistics and peak device memory after each epoch.")
    var verbose = false

    func run() throws {
        StopRequest.install()
        let communicator = try MPILaunch.communicator()
        try CommandErrors.reporting(communicator: communicator) {
            let saved = try TrainCommand.openCheckpoint(checkpoint, communicator: communicator)
            let config = try PipelineConfig.parse(text: saved.checkpoint.config, path: "\(saved.path) (stored pipeline)",
                                                  overrides: pipelineOptions.allOverrides)
            try TrainCommand.train(config: config, checkpoint: saved, force: force, device: deviceOptions.device,
                                   memoryLimit: pipelineOptions.memoryLimitBytes(), verbose: verbose, communicator: communicator)
        }
    }
}
