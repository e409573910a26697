import OpenCLRuntime

/// Max pooling over square windows; padded cells count as -infinity.
///
/// Forward keeps the arg-max of every output in scratch (`reserve(batch:)`); backward routes each
/// output gradient to its arg-max (see `KernelStyle` and Kernels/pool.cl). Ties go to the first pixel in
/// row-major order, as in PyTorch.
public final class MaxPool2D: Layer {
    public let name: String
    public let inputShape: Shape
    public var outputShape: Shape { pooling.outputShape }
    public let config: Pool2DConfig
    public var parameters: [Parameter] { [] }
    public var style: KernelStyle { pooling.style }

    private let context: ComputeContext
    private let pooling: WindowPooling
    /// (batch, C, out_h, out_w) arg-max indices within each input plane.
    private var argmax: DeviceBuffer<Int32>?
    private var reservedBatch = 0

    /// `style` nil picks `KernelStyle.preferred` for the device.
    public init(context: ComputeContext, name: String, input: Shape, config: Pool2DConfig,
                style: KernelStyle? = nil) throws {
        self.context = context
        self.name = name
        self.inputShape = input
        self.config = config
        pooling = try WindowPooling(context: context, layer: name, operation: "max", input: input, config: config, style: style)
    }

    public func scratchRequests(batch: Int) -> [BufferRequest] {
        [BufferRequest(Int32.self, count: batch * outputShape.count, label: "\(name).argmax")]
    }

    public func reserve(batch: Int) throws {
        guard batch != reservedBatch else { return }
        argmax = nil
        argmax = try context.buffer(Int32.self, for: scratchRequests(batch: batch)[0])
        reservedBatch = batch
    }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        try LayerPrograms.checkBatch(batch, reserved: reservedBatch, layer: name)
        try pooling.forward(buffers: [input, output, argmax!], batch: batch)
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        guard let inputGradient else { return }
        try LayerPrograms.checkBatch(batch, reserved: reservedBatch, layer: name)
        try pooling.backward(buffers: [outputGradient, argmax!, inputGradient], batch: batch)
    }

    public var kernelVariant: KernelVariant { KernelVariant(family: "maxpool", name: style.rawValue) }

    /// One comparison per window cell.
    public var forwardFLOPsPerImage: Int { outputShape.count * config.size * config.size }

    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        try checkReference(input: input, batch: batch, parameters: parameters)
        let (output, argmax) = PoolReference.maxForward(input, batch: batch, input: inputShape, output: outputShape, config: config)
        return ReferencePass(input: input, output: output, batch: batch, saved: .argmax(argmax))
    }

    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        try checkReference(pass, outputGradient: outputGradient, parameters: parameters)
        guard case let .argmax(argmax) = pass.saved else { throw foreignReferencePass() }
        return (PoolReference.maxBackward(outputGradient, argmax: argmax, batch: pass.batch, input: inputShape, output: outputShape), [])
    }
}
