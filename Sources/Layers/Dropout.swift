import OpenCLRuntime

/// Inverted dropout: in training each value is zeroed with probability p and the rest are
/// scaled by 1/(1 - p); evaluation is the identity.
///
/// The mask is a pure function of (`seed`, `step`, element index within the batch), see
/// `DropoutMask`; the trainer sets `seed` once and `step` before each forward pass. Backward
/// recomputes the mask of the last forward pass, so no scratch is needed.
public final class Dropout: Layer {
    public let name: String
    public let inputShape: Shape
    public var outputShape: Shape { inputShape }
    public let probability: Float
    public var parameters: [Parameter] { [] }
    public var seed: UInt64 = 0
    public var step: Int = 0

    private let context: ComputeContext
    private let kernel: Kernel
    /// The mask key and mode of the last forward pass, for backward.
    private var lastKey: UInt32 = 0
    private var lastMode = Mode.evaluation

    public init(context: ComputeContext, name: String, input: Shape, probability: Float) throws {
        guard probability >= 0, probability < 1 else {
            throw ShapeError(layer: name, message: "dropout probability \(probability) must lie in [0, 1)")
        }
        self.context = context
        self.name = name
        self.inputShape = input
        self.probability = probability
        kernel = try LayerPrograms.program("dropout.cl", context: context).kernel("dropout_apply")
    }

    public func scratchBytes(batch: Int) -> Int { 0 }
    public func reserve(batch: Int) throws {}

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        lastMode = mode
        lastKey = DropoutMask.key(seed: seed, step: step)
        try apply(input, into: output, count: batch * inputShape.count)
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        guard let inputGradient else { return }
        try apply(outputGradient, into: inputGradient, count: batch * inputShape.count)
    }

    private func apply(_ source: DeviceBuffer<Float>, into target: DeviceBuffer<Float>, count: Int) throws {
        if lastMode == .evaluation || probability == 0 {
            try target.copy(from: source, count: count)
            return
        }
        try kernel.setArgs(source, target, count, lastKey, DropoutMask.threshold(probability: probability),
                           DropoutMask.scale(probability: probability))
        try LayerPrograms.launchElementwise(kernel, count: count, context: context)
    }

    public var forwardFLOPsPerImage: Int { inputShape.count }
}
