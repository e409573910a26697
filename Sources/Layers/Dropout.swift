import OpenCLRuntime

/// Inverted dropout: in training each value is zeroed with probability p and the rest are
/// scaled by 1/(1 - p); evaluation is the identity.
///
/// The mask is a pure function of (`seed`, `step`, element index within the batch), see
/// `DropoutMask`; `prepare(step:seed:)` sets both before each training step. Backward
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

    public func prepare(step: Int, seed: UInt64) {
        self.seed = seed
        self.step = step
    }

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

    public var kernelVariant: KernelVariant { KernelVariant(family: "dropout") }

    public var forwardFLOPsPerImage: Int { inputShape.count }

    /// Training drops with the mask of the current `seed` and `step`, as `forward` does;
    /// evaluation is the identity.
    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        guard mode == .training else { return try referencePass(input, batch: batch, parameters: parameters) { $0 } }
        let mask = DropoutReference.mask(count: input.count, seed: seed, step: step, probability: probability)
        return try referencePass(input, batch: batch, parameters: parameters, saved: .mask(mask)) {
            DropoutReference.apply($0, mask: mask, probability: probability)
        }
    }

    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        try checkReference(pass, outputGradient: outputGradient, parameters: parameters)
        switch pass.saved {
        case let .mask(mask): return (DropoutReference.apply(outputGradient, mask: mask, probability: probability), [])
        case .nothing: return (outputGradient, [])
        default: throw foreignReferencePass()
        }
    }
}
