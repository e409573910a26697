/// Device time per kernel, from the profiled events of a context made with `profiling: true`.
///
/// `ComputeContext.startKernelProfile()` starts recording launches; `kernelProfile()` waits for
/// them, sums each kernel's device time and stops recording. `conveyor bench --kernels` prints it.
public struct KernelProfileEntry: Sendable, Encodable {
    public let kernel: String
    public let launches: Int
    public let seconds: Double
}

final class KernelProfileRecorder {
    private(set) var launches: [(name: String, event: Event)] = []

    func record(_ name: String, _ event: Event) { launches.append((name, event)) }

    /// Per kernel name, slowest first.
    func summary() throws -> [KernelProfileEntry] {
        var totals: [String: (launches: Int, seconds: Double)] = [:]
        for launch in launches {
            let seconds = try launch.event.duration()
            totals[launch.name, default: (0, 0)].launches += 1
            totals[launch.name, default: (0, 0)].seconds += seconds
        }
        return totals.map { KernelProfileEntry(kernel: $0.key, launches: $0.value.launches, seconds: $0.value.seconds) }
            .sorted { $0.seconds > $1.seconds }
    }
}
