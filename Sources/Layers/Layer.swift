import OpenCLRuntime

/// Whether a layer trains (batch statistics, dropout on) or evaluates.
public enum Mode: Sendable {
    case training
    case evaluation
}

/// What a parameter is, for initialisation, weight decay and per-kind learning rates.
public enum ParameterKind: String, Sendable, Codable, CaseIterable {
    case weight        // conv and fc weights: He or Xavier initialised, decayed
    case bias          // zero initialised, not decayed by default
    case normScale     // batch-norm gamma: initialised to 1
    case normShift     // batch-norm beta: initialised to 0
}

/// A trainable tensor with its gradient, both on the device.
///
/// `shape` is in PyTorch's order (conv [K, C/groups, F, F], fc [out, in]), so checkpoints move
/// between the two without transposes. Gradients accumulate (+=) in `backward`; the trainer
/// zeroes them before each step.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public let kind: ParameterKind
    /// Inputs and outputs feeding one value, for He/Xavier initialisation.
    public let fanIn: Int
    public let fanOut: Int
    public let value: DeviceBuffer<Float>
    public let gradient: DeviceBuffer<Float>

    public var count: Int { shape.reduce(1, *) }

    public init(context: ComputeContext, layer: String, name: String, shape: [Int], kind: ParameterKind, fanIn: Int, fanOut: Int) throws {
        self.name = name
        self.shape = shape
        self.kind = kind
        self.fanIn = fanIn
        self.fanOut = fanOut
        let count = shape.reduce(1, *)
        value = try context.buffer(Float.self, count: count, label: "\(layer).\(name)")
        gradient = try context.buffer(Float.self, count: count, label: "\(layer).\(name).grad")
        try value.fill(0)
        try gradient.fill(0)
    }
}

/// Non-trainable state saved in checkpoints (batch-norm running mean and variance).
public struct StateTensor {
    public let name: String
    public let shape: [Int]
    public let buffer: DeviceBuffer<Float>

    public init(name: String, shape: [Int], buffer: DeviceBuffer<Float>) {
        self.name = name
        self.shape = shape
        self.buffer = buffer
    }
}

/// One layer of a network: a forward and a backward pass over NCHW float32 batches on the device.
///
/// Life cycle: `init` checks shapes and allocates parameters (and state); `reserve(batch:)`
/// allocates whatever scratch a batch of that size needs (im2col columns, arg-max indices,
/// saved statistics, dropout masks), exactly `scratchBytes(batch:)` bytes; then `forward` and
/// `backward` run for any batch up to the reserved one. The network owns the activation and
/// activation-gradient buffers between layers.
public protocol Layer: AnyObject {
    var name: String { get }
    var inputShape: Shape { get }
    var outputShape: Shape { get }
    var parameters: [Parameter] { get }
    var state: [StateTensor] { get }

    /// Bytes of device scratch `reserve(batch:)` allocates (pure arithmetic, for the planner).
    func scratchBytes(batch: Int) -> Int
    func reserve(batch: Int) throws

    /// output = f(input) for `batch` images. `input` is [batch, inputShape], output [batch, outputShape].
    func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws

    /// Adds parameter gradients (+=) and writes (=) `inputGradient` when it is not nil (the first
    /// layer's input needs none). `input` and `output` are the values of the last forward pass.
    func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                  inputGradient: DeviceBuffer<Float>?, batch: Int) throws

    /// Floating-point operations of one image's forward pass (a multiply-add counts 2).
    var forwardFLOPsPerImage: Int { get }
}

public extension Layer {
    var state: [StateTensor] { [] }
    var forwardFLOPsPerImage: Int { 0 }
}
