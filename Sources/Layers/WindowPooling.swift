import OpenCLRuntime

/// The part of the two window-pooling layers (`MaxPool2D`, `AvgPool2D`) that is the same: the
/// output shape, the kernel style, the forward and backward kernels of Kernels/pool.cl, and
/// their launches, whose arguments differ only in the buffers that come first.
struct WindowPooling {
    let outputShape: Shape
    let style: KernelStyle

    private let context: ComputeContext
    private let input: Shape
    private let config: Pool2DConfig
    private let forwardKernel: Kernel
    private let backwardKernel: Kernel

    /// `operation` is the kernels' prefix in pool.cl ("max" or "avg"); `style` nil picks
    /// `KernelStyle.preferred` for the device.
    init(context: ComputeContext, layer: String, operation: String, input: Shape, config: Pool2DConfig,
         style: KernelStyle?) throws {
        self.context = context
        self.input = input
        self.config = config
        outputShape = try config.outputShape(layer: layer, input: input)
        let program = try LayerPrograms.program("pool.cl", context: context)
        let style = style ?? .preferred(for: context.device)
        self.style = style
        let planes = style == .perPlane ? "_planes" : ""
        forwardKernel = try program.kernel("\(operation)_pool_forward\(planes)")
        backwardKernel = try program.kernel("\(operation)_pool_backward\(planes)")
    }

    /// The forward kernel over `batch` images, one work-item per plane or per output value.
    func forward(buffers: [KernelArgument], batch: Int) throws {
        try launch(forwardKernel, buffers: buffers, items: style == .perPlane ? batch * input.channels : batch * outputShape.count)
    }

    /// The backward kernel over `batch` images, one work-item per plane or per input value.
    func backward(buffers: [KernelArgument], batch: Int) throws {
        try launch(backwardKernel, buffers: buffers, items: style == .perPlane ? batch * input.channels : batch * input.count)
    }

    private func launch(_ kernel: Kernel, buffers: [KernelArgument], items: Int) throws {
        let geometry: [KernelArgument] = [items, input.channels, input.height, input.width, outputShape.height, outputShape.width,
                                          config.size, config.stride, config.padding]
        for (index, argument) in (buffers + geometry).enumerated() { try argument.set(on: kernel, at: index) }
        try LayerPrograms.launch(kernel, items: items, style: style, context: context)
    }
}
