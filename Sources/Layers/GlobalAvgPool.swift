import OpenCLRuntime

/// The mean of each channel over its whole plane: C x H x W becomes C x 1 x 1.
///
/// Forward reduces each (image, channel) plane in one work-group through local memory;
/// backward spreads each gradient evenly over its plane. Needs no scratch.
public final class GlobalAvgPool: Layer {
    /// Work-items per plane in the forward reduction (the kernel's POOL_GLOBAL_GROUP) in the
    /// per-element style; a power of two. The per-plane style uses one.
    public static let reductionGroup = 64
    public let style: KernelStyle

    public let name: String
    public let inputShape: Shape
    public let outputShape: Shape
    public var parameters: [Parameter] { [] }

    private let context: ComputeContext
    private let forwardKernel: Kernel
    private let backwardKernel: Kernel

    /// `style` nil picks `KernelStyle.preferred` for the device.
    public init(context: ComputeContext, name: String, input: Shape, style: KernelStyle? = nil) throws {
        guard input.count > 0 else {
            throw ShapeError(layer: name, message: "input \(input) is empty")
        }
        self.context = context
        self.name = name
        self.inputShape = input
        outputShape = Shape(channels: input.channels, height: 1, width: 1)
        let style = style ?? .preferred(for: context.device)
        self.style = style
        let program = try LayerPrograms.program("pool.cl", context: context,
                                                defines: ["POOL_GLOBAL_GROUP": "\(style == .perPlane ? 1 : Self.reductionGroup)"])
        forwardKernel = try program.kernel("global_avg_pool_forward")
        backwardKernel = try program.kernel("global_avg_pool_backward")
    }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        let planes = batch * inputShape.channels
        let group = style == .perPlane ? 1 : Self.reductionGroup
        try forwardKernel.setArgs(input, output, inputShape.height * inputShape.width,
                                  LocalMemory(bytes: group * MemoryLayout<Float>.stride))
        try context.launch(forwardKernel, global: [planes * group], local: [group])
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        guard let inputGradient else { return }
        let total = batch * inputShape.count
        try backwardKernel.setArgs(outputGradient, inputGradient, total, inputShape.height * inputShape.width)
        try LayerPrograms.launchElementwise(backwardKernel, count: total, context: context)
    }

    public var kernelVariant: KernelVariant { KernelVariant(family: "global-avgpool", name: style.rawValue) }

    public var forwardFLOPsPerImage: Int { inputShape.count }

    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        try referencePass(input, batch: batch, parameters: parameters) {
            PoolReference.globalAvgForward($0, batch: batch, input: inputShape)
        }
    }

    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        try checkReference(pass, outputGradient: outputGradient, parameters: parameters)
        return (PoolReference.globalAvgBackward(outputGradient, batch: pass.batch, input: inputShape), [])
    }
}
