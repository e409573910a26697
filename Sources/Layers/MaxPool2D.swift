import OpenCLRuntime

/// Max pooling over square windows; padded cells count as -infinity.
///
/// Forward keeps the arg-max of every output in scratch (`reserve(batch:)`); backward routes each
/// output gradient to its arg-max (see `KernelStyle` and Kernels/pool.cl). Ties go to the first pixel in
/// row-major order, as in PyTorch.
public final class MaxPool2D: Layer {
    public let name: String
    public let inputShape: Shape
    public let outputShape: Shape
    public let config: Pool2DConfig
    public var parameters: [Parameter] { [] }

    private let context: ComputeContext
    private let forwardKernel: Kernel
    private let backwardKernel: Kernel
    public let style: KernelStyle
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
        outputShape = try config.outputShape(layer: name, input: input)
        let program = try LayerPrograms.program("pool.cl", context: context)
        self.style = style ?? .preferred(for: context.device)
        forwardKernel = try program.kernel(self.style == .perPlane ? "max_pool_forward_planes" : "max_pool_forward")
        backwardKernel = try program.kernel(self.style == .perPlane ? "max_pool_backward_planes" : "max_pool_backward")
    }

    public func scratchBytes(batch: Int) -> Int {
        max(batch * outputShape.count, 1) * MemoryLayout<Int32>.stride
    }

    public func reserve(batch: Int) throws {
        guard batch != reservedBatch else { return }
        argmax = nil
        argmax = try context.buffer(Int32.self, count: batch * outputShape.count, label: "\(name).argmax")
        reservedBatch = batch
    }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        try LayerPrograms.checkBatch(batch, reserved: reservedBatch, layer: name)
        let planes = batch * inputShape.channels
        let items = style == .perPlane ? planes : batch * outputShape.count
        try forwardKernel.setArgs(input, output, argmax!, items, inputShape.channels, inputShape.height, inputShape.width,
                                  outputShape.height, outputShape.width, config.size, config.stride, config.padding)
        try LayerPrograms.launch(forwardKernel, items: items, style: style, context: context)
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        guard let inputGradient else { return }
        try LayerPrograms.checkBatch(batch, reserved: reservedBatch, layer: name)
        let items = style == .perPlane ? batch * inputShape.channels : batch * inputShape.count
        try backwardKernel.setArgs(outputGradient, argmax!, inputGradient, items, inputShape.channels, inputShape.height,
                                   inputShape.width, outputShape.height, outputShape.width, config.size, config.stride,
                                   config.padding)
        try LayerPrograms.launch(backwardKernel, items: items, style: style, context: context)
    }

    /// One comparison per window cell.
    public var forwardFLOPsPerImage: Int { outputShape.count * config.size * config.size }
}
