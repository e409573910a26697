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
    public let outputShape: Shape
    public let config: Pool2DConfig
    public var parameters: [Parameter] { [] }

    private let context: ComputeContext
    private let forwardKernel: Kernel
    private let backwardKernel: Kernel
    public let style: KernelStyle

    /// `style` nil picks `KernelStyle.preferred` for the device.
    public init(context: ComputeContext, name: String, input: Shape, config: Pool2DConfig,
                style: KernelStyle? = nil) throws {
        self.context = context
        self.name = name
        self.inputShape = input
        self.config = config
        outputShape = try config.outputShape(layer: name, input: input)
        let program = try LayerPrograms.program("pool.cl", context: context)
        self.style = style ?? .preferred(for: context.device)
        forwardKernel = try program.kernel(self.style == .perPlane ? "avg_pool_forward_planes" : "avg_pool_forward")
        backwardKernel = try program.kernel(self.style == .perPlane ? "avg_pool_backward_planes" : "avg_pool_backward")
    }

    public func scratchBytes(batch: Int) -> Int { 0 }
    public func reserve(batch: Int) throws {}

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        let planes = batch * inputShape.channels
        let items = style == .perPlane ? planes : batch * outputShape.count
        try forwardKernel.setArgs(input, output, items, inputShape.channels, inputShape.height, inputShape.width,
                                  outputShape.height, outputShape.width, config.size, config.stride, config.padding)
        try LayerPrograms.launch(forwardKernel, items: items, style: style, context: context)
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        guard let inputGradient else { return }
        let items = style == .perPlane ? batch * inputShape.channels : batch * inputShape.count
        try backwardKernel.setArgs(outputGradient, inputGradient, items, inputShape.channels, inputShape.height,
                                   inputShape.width, outputShape.height, outputShape.width, config.size, config.stride,
                                   config.padding)
        try LayerPrograms.launch(backwardKernel, items: items, style: style, context: context)
    }

    /// One addition per window cell and a division.
    public var forwardFLOPsPerImage: Int { outputShape.count * (config.size * config.size + 1) }
}
