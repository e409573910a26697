import ArgumentParser
import OpenCLRuntime

/// `--device`, shared by every command that runs kernels.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: "Device: an index from `conveyor devices`, 'gpu', 'cpu' or part of its name (default: first GPU, else first CPU).")
    var device: String?

    func makeContext(profiling: Bool = false) throws -> ComputeContext {
        try ComputeContext(selector: device, profiling: profiling)
    }
}
