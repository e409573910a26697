import OpenCLRuntime

/// An element-wise non-linearity (ReLU or tanh-form GELU); the output has the input's shape.
///
/// Backward reads the forward input, so the network must keep it. Needs no scratch.
public final class Activation: Layer {
    public let name: String
    public let inputShape: Shape
    public var outputShape: Shape { inputShape }
    public let kind: ActivationKind
    public var parameters: [Parameter] { [] }

    private let context: ComputeContext
    private let forwardKernel: Kernel
    private let backwardKernel: Kernel
    /// Values per work-item: activation.cl's ACT_WIDTH (four float16s).
    private static let valuesPerItem = 64

    public init(context: ComputeContext, name: String, input: Shape, kind: ActivationKind) throws {
        self.context = context
        self.name = name
        self.inputShape = input
        self.kind = kind
        let program = try LayerPrograms.program("activation.cl", context: context)
        forwardKernel = try program.kernel("\(kind.rawValue)_forward")
        backwardKernel = try program.kernel("\(kind.rawValue)_backward")
    }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        let total = batch * inputShape.count
        try forwardKernel.setArgs(input, output, total)
        try LayerPrograms.launchElementwise(forwardKernel, count: items(total), context: context)
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        guard let inputGradient else { return }
        let total = batch * inputShape.count
        try backwardKernel.setArgs(input, outputGradient, inputGradient, total)
        try LayerPrograms.launchElementwise(backwardKernel, count: items(total), context: context)
    }

    /// Work-items for `total` values: the last one takes the values past the last full vector.
    private func items(_ total: Int) -> Int { (total + Self.valuesPerItem - 1) / Self.valuesPerItem }

    public var kernelVariant: KernelVariant { KernelVariant(family: "activation", name: kind.rawValue) }

    public var forwardFLOPsPerImage: Int { inputShape.count * (kind == .relu ? 1 : 8) }

    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        try referencePass(input, batch: batch, parameters: parameters) { ActivationReference.forward($0, kind: kind) }
    }

    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        try checkReference(pass, outputGradient: outputGradient, parameters: parameters)
        return (ActivationReference.backward(pass.input, outputGradient: outputGradient, kind: kind), [])
    }
}
