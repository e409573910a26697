import OpenCLRuntime

/// Average pooling over square windows.
///
/// Padding cells count in the divisor (PyTorch's default `count_include_pad=True`): a window of
/// size F that overlaps the zero padding still divides by F * F. With ceil rounding, a window
/// that runs past the right or bottom padding divides only by its part inside the padded input,
/// again as PyTorch does. Needs no scratch.
public final class AvgPool2D: Layer {
    public let name: String
    public let inputShape: Shape
    public var outputShape: Shape { pooling.outputShape }
    public let config: Pool2DConfig
    public var parameters: [Parameter] { [] }
    public var style: KernelStyle { pooling.style }

    private let pooling: WindowPooling

    /// `style` nil picks `KernelStyle.preferred` for the device.
    public init(context: ComputeContext, name: String, input: Shape, config: Pool2DConfig,
                style: KernelStyle? = nil) throws {
        self.name = name
        self.inputShape = input
        self.config = config
        pooling = try WindowPooling(context: context, layer: name, operation: "avg", input: input, config: config, style: style)
    }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        try pooling.forward(buffers: [input, output], batch: batch)
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        guard let inputGradient else { return }
        try pooling.backward(buffers: [outputGradient, inputGradient], batch: batch)
    }

    public var kernelVariant: KernelVariant { KernelVariant(family: "avgpool", name: style.rawValue) }

    /// One addition per window cell and a division.
    public var forwardFLOPsPerImage: Int { outputShape.count * (config.size * config.size + 1) }

    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        try referencePass(input, batch: batch, parameters: parameters) {
            PoolReference.avgForward($0, batch: batch, input: inputShape, output: outputShape, config: config)
        }
    }

    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        try checkReference(pass, outputGradient: outputGradient, parameters: parameters)
        return (PoolReference.avgBackward(outputGradient, batch: pass.batch, input: inputShape, output: outputShape, config: config), [])
    }
}
