import Layers
import OpenCLRuntime

/// The running average of lookahead (see `LookaheadSettings`): one device buffer per averaged
/// tensor (every parameter and every layer state such as batch-norm running statistics),
/// started from the tensors' values when training starts and saved in checkpoints, so that a
/// resumed run continues bitwise.
public final class Lookahead {
    public struct Entry {
        public let layer: String
        public let name: String
        public let shape: [Int]
        public let tensor: DeviceBuffer<Float>
        public let average: DeviceBuffer<Float>
    }

    public let settings: LookaheadSettings
    public let entries: [Entry]
    /// Steps of the whole run, for the decay schedule.
    public let totalSteps: Int
    private let sync: LookaheadSync

    /// The average buffers for `tensors`, as the plan counts and `init` allocates them.
    public static func requests(for tensors: [(layer: String, name: String, shape: [Int], buffer: DeviceBuffer<Float>)]) -> [BufferRequest] {
        tensors.map { BufferRequest(Float.self, count: $0.buffer.count, label: "\($0.layer).\($0.name).average") }
    }

    public init(context: ComputeContext, tensors: [(layer: String, name: String, shape: [Int], buffer: DeviceBuffer<Float>)],
                settings: LookaheadSettings, totalSteps: Int) throws {
        self.settings = settings
        self.totalSteps = totalSteps
        sync = try LookaheadSync(context: context)
        entries = try zip(tensors, Self.requests(for: tensors)).map { tensor, request in
            Entry(layer: tensor.layer, name: tensor.name, shape: tensor.shape, tensor: tensor.buffer, average: try context.buffer(Float.self, for: request))
        }
    }

    /// Starts every average at its tensor's current value (a new run, after initialisation).
    public func reset() throws {
        for entry in entries { try entry.average.copy(from: entry.tensor) }
    }

    /// Whether the step that has just completed (`completedSteps` steps done) synchronises:
    /// every `every` steps, at the end of an epoch, and at the end of training.
    public func synchronises(afterStep completedSteps: Int, endOfEpoch: Bool) -> Bool {
        completedSteps % settings.every == 0 || endOfEpoch || completedSteps >= totalSteps
    }

    /// Enqueues one synchronisation after `completedSteps` steps; at the end of training the
    /// decay is 1, which leaves the average and sets the weights to it.
    public func synchronise(afterStep completedSteps: Int) throws {
        let decay = completedSteps >= totalSteps ? 1 : settings.decay(atStep: completedSteps, totalSteps: totalSteps)
        for entry in entries { try sync.apply(weight: entry.tensor, average: entry.average, decay: Float(decay)) }
    }
}
