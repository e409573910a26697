import ArgumentParser

/// The `conveyor` command: train convolutional networks on CIFAR-10 through OpenCL.
@main
struct Conveyor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor",
        abstract: "Train convolutional networks on CIFAR-10 through OpenCL.",
        version: ConveyorVersion.text,
        subcommands: [DevicesCommand.self, DataCommand.self, PlanCommand.self, TrainCommand.self, ResumeCommand.self,
                      EvaluateCommand.self, PredictCommand.self, FiltersCommand.self, ActivationsCommand.self, ExportCommand.self,
                      PlotCommand.self, ReportCommand.self,
                      BenchCommand.self, CheckCommand.self, TuningCommand.self, ReadCheckpointInChildCommand.self]
    )

    /// Every checkpoint this process opens is read in a child process first (CheckpointChildRead).
    static func main() {
        CheckpointChildRead.install()
        main(nil)
    }
}
