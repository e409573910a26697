import OpenCLRuntime

/// Per-sample losses and correct flags that a training step or an evaluation batch writes and
/// the host reads back. One pair serves the trainer and every validation of a run.
public final class StepOutputs {
    public let losses: DeviceBuffer<Float>
    public let correct: DeviceBuffer<Int32>

    /// The two buffers for batches of up to `batch` images, as the plan counts and `init` allocates them.
    public static func requests(batch: Int) -> [BufferRequest] {
        [BufferRequest(Float.self, count: batch, label: "per-sample losses"),
         BufferRequest(Int32.self, count: batch, label: "per-sample correct flags")]
    }

    public init(context: ComputeContext, batch: Int) throws {
        let requests = Self.requests(batch: batch)
        losses = try context.buffer(Float.self, for: requests[0])
        correct = try context.buffer(Int32.self, for: requests[1])
    }
}
