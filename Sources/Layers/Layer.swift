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
    /// False for a frozen parameter (a whitening layer's filters, a batch norm's scale with
    /// `scale: false`): the optimizer gives it no momentum buffer and never updates it.
    public let trainable: Bool
    /// The optimizer updates a trainable parameter during the first this many epochs only
    /// (nil: all of training), e.g. the whitening bias of airbench.
    public var trainableEpochs: Int?

    public var count: Int { shape.reduce(1, *) }

    public init(context: ComputeContext, layer: String, name: String, shape: [Int], kind: ParameterKind, fanIn: Int, fanOut: Int,
                trainable: Bool = true) throws {
        self.trainable = trainable
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
/// saved statistics), exactly the buffers `scratchRequests(batch:)` lists, allocated from those
/// requests so the memory plan cannot drift from them; `prepare(step:seed:)` runs before each
/// training step; then `forward` and `backward` run for any batch up to the reserved one. The
/// network owns the activation and activation-gradient buffers between layers.
///
/// Each layer also carries its CPU reference (`referenceForward`, `referenceBackward`, on host
/// arrays, through `Layers/Reference`), so the reference trainer and the tests never need to
/// know which class a layer is.
public protocol Layer: AnyObject {
    var name: String { get }
    var inputShape: Shape { get }
    var outputShape: Shape { get }
    var parameters: [Parameter] { get }
    var state: [StateTensor] { get }

    /// The device scratch `reserve(batch:)` allocates for batches up to `batch` (pure arithmetic,
    /// for the memory plan); empty for layers that need none.
    func scratchRequests(batch: Int) -> [BufferRequest]
    /// Allocates the buffers of `scratchRequests(batch:)`, from those requests.
    func reserve(batch: Int) throws

    /// Per-step state of layers with randomness (dropout's mask comes from `seed` and `step`),
    /// set before each training step's forward pass; the reference reads the same state.
    func prepare(step: Int, seed: UInt64)

    /// output = f(input) for `batch` images. `input` is [batch, inputShape], output [batch, outputShape].
    func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws

    /// Adds parameter gradients (+=) and writes (=) `inputGradient` when it is not nil (the first
    /// layer's input needs none). `input` and `output` are the values of the last forward pass.
    func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                  inputGradient: DeviceBuffer<Float>?, batch: Int) throws

    /// Floating-point operations of one image's forward pass (a multiply-add counts 2).
    var forwardFLOPsPerImage: Int { get }

    /// The kernels this layer runs (its family and variant), as `check`, `bench` and `train
    /// --verbose` name them.
    var kernelVariant: KernelVariant { get }

    /// The CPU reference of `forward` on host arrays: `parameters` holds the values of
    /// `self.parameters`, in that order. The pass keeps what `referenceBackward` needs.
    func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass

    /// The CPU reference of `backward` after `referenceForward`: the input gradient and each
    /// parameter's gradient, overwritten rather than accumulated, in `parameters` order.
    func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]])
}

public extension Layer {
    var state: [StateTensor] { [] }
    var forwardFLOPsPerImage: Int { 0 }

    func scratchRequests(batch: Int) -> [BufferRequest] { [] }
    func reserve(batch: Int) throws {}
    func prepare(step: Int, seed: UInt64) {}

    /// Bytes of `scratchRequests(batch:)`, as the memory plan counts them.
    func scratchBytes(batch: Int) -> Int { scratchRequests(batch: batch).totalBytes }
}
