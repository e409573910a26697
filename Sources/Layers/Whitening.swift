import OpenCLRuntime

/// The patch-whitening first layer of airbench94: a frozen P x P convolution (stride 1, no
/// padding, with bias) whose 2 C P P filters whiten the image's P x P x C patches.
///
/// The filters are not drawn from the seed but measured from training images by
/// `initialize(fromImages:count:)` (`PatchWhitening.filters`): the covariance's eigenvectors
/// scaled by 1 / sqrt(eigenvalue + epsilon), by descending eigenvalue, then their negatives.
/// `weight` [2 C P P, C, P, P] is a frozen parameter (`trainable: false`): the optimizer skips
/// it and `backward` never touches its gradient. `bias` [2 C P P] trains, during the first
/// `biasEpochs` epochs only when that is given (airbench: 3). Both are parameters, so
/// checkpoints store the measured filters and a resumed run reads them back.
///
/// `config.same` false: output (H - P + 1) x (W - P + 1); true: H x W, the windows at the bottom
/// and right edges reading zeros past the image. Needs no scratch.
public final class Whitening: DataInitializedLayer {
    public let name: String
    public let inputShape: Shape
    public let outputShape: Shape
    public let config: WhiteningConfig
    /// How the bias gradient is reduced: per plane (one work-item per filter) or in work-groups.
    public let style: KernelStyle
    public let weight: Parameter
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }
    /// The filters the last `initialize(fromImages:count:)` measured, in `weight`'s order (nil before).
    public private(set) var measuredFilters: [Float]?

    private let context: ComputeContext
    private let forwardKernel: Kernel
    private let inputGradientKernel: Kernel
    private let biasGradientKernel: Kernel
    /// Output columns per forward work-item: whiten.cl's WHITEN_LANES.
    private static let forwardLanes = 16

    /// `biasEpochs` sets `bias.trainableEpochs` (nil: the bias trains throughout); `style` nil
    /// picks `KernelStyle.preferred` for the device.
    public init(context: ComputeContext, name: String, input: Shape, config: WhiteningConfig = WhiteningConfig(),
                biasEpochs: Int? = nil, style: KernelStyle? = nil) throws {
        if let biasEpochs, biasEpochs < 0 {
            throw ShapeError(layer: name, message: "biasEpochs is \(biasEpochs); it must be at least 0 (or nil: all of training)")
        }
        outputShape = try config.outputShape(layer: name, input: input)
        self.name = name
        self.inputShape = input
        self.config = config
        self.context = context
        self.style = style ?? .preferred(for: context.device)
        let filters = config.filters(channels: input.channels)
        let window = config.size * config.size
        weight = try Parameter(context: context, layer: name, name: "weight", shape: [filters, input.channels, config.size, config.size],
                               kind: .weight, fanIn: input.channels * window, fanOut: filters * window, trainable: false)
        bias = try Parameter(context: context, layer: name, name: "bias", shape: [filters], kind: .bias,
                             fanIn: input.channels * window, fanOut: filters * window)
        bias.trainableEpochs = biasEpochs
        // The forward kernel unrolls over the channels and the window: compile-time constants.
        let program = try LayerPrograms.program("whiten.cl", context: context,
                                                defines: ["WHITEN_CHANNELS": "\(input.channels)", "WHITEN_SIZE": "\(config.size)"])
        forwardKernel = try program.kernel("whiten_forward")
        inputGradientKernel = try program.kernel("whiten_input_gradient")
        // Per plane, whiten.cl's own; per element, the convolution's reduction (dy is [B, K, P] here too).
        biasGradientKernel = self.style == .perPlane ? try program.kernel("whiten_bias_gradient_planes")
            : try LayerPrograms.program("conv.cl", context: context).kernel("bias_gradient")
    }

    private var pixels: Int { outputShape.height * outputShape.width }

    public var kernelVariant: KernelVariant { KernelVariant(family: "whiten") }

    /// Every output reads a full window (zeros count): 2 C P P per filter and pixel, plus the bias.
    public var forwardFLOPsPerImage: Int {
        (2 * inputShape.channels * config.size * config.size + 1) * outputShape.channels * pixels
    }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        // One work-item per image, output row and whiten.cl's WHITEN_LANES (16) output columns.
        let rows = batch * outputShape.height
        let blocks = (outputShape.width + Self.forwardLanes - 1) / Self.forwardLanes
        try forwardKernel.setArgs(input, weight.value, bias.value, output, rows, inputShape.height, inputShape.width,
                                  outputShape.height, outputShape.width)
        try LayerPrograms.launchElementwise(forwardKernel, count: rows * blocks, context: context)
    }

    /// Adds the bias gradient and writes the input gradient when asked; the frozen weight gets none.
    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        if style == .perPlane {
            try biasGradientKernel.setArgs(outputGradient, bias.gradient, outputShape.channels, pixels, batch)
            try LayerPrograms.launch(biasGradientKernel, items: outputShape.channels, style: style, context: context)
        } else {
            try LayerPrograms.launchBiasGradient(biasGradientKernel, outputGradient: outputGradient, filters: outputShape.channels,
                                                 pixels: pixels, batch: batch, into: bias.gradient, context: context)
        }
        if let inputGradient {
            let total = batch * inputShape.count
            try inputGradientKernel.setArgs(outputGradient, weight.value, inputGradient, total, inputShape.channels, inputShape.height,
                                            inputShape.width, outputShape.channels, outputShape.height, outputShape.width, config.size)
            try LayerPrograms.launchElementwise(inputGradientKernel, count: total, context: context)
        }
    }

    // MARK: Initialisation from data

    /// Measures the filters from `count` normalised NCHW images of `inputShape`
    /// (`PatchWhitening.filters`) and writes them into `weight`; the bias is left alone.
    public func initialize(fromImages images: [Float], count: Int) throws {
        guard count >= 1, images.count == count * inputShape.count else {
            throw ShapeError(layer: name, message: "initialize(fromImages:) got \(images.count) values for \(count) images; "
                             + "\(count) images of \(inputShape) need \(count * inputShape.count) (at least one image)")
        }
        let filters = try PatchWhitening.filters(images: images, count: count, channels: inputShape.channels,
                                                 height: inputShape.height, width: inputShape.width, patch: config.size,
                                                 epsilon: config.epsilon)
        try weight.value.write(filters)
        measuredFilters = filters
    }

    public func reapplyDataInitialization() throws {
        if let measuredFilters { try weight.value.write(measuredFilters) }
    }

    // MARK: CPU reference

    private var reference: WhiteningReference {
        get throws { try WhiteningReference(input: inputShape, config: config) }
    }

    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        let reference = try reference
        return try referencePass(input, batch: batch, parameters: parameters) {
            reference.forward(x: $0, weight: parameters[0], bias: parameters[1], batch: batch)
        }
    }

    /// The weight's gradient is zeros (frozen), the bias's the sum of the output gradient.
    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        try checkReference(pass, outputGradient: outputGradient, parameters: parameters)
        let result = try reference.backward(weight: parameters[0], dy: outputGradient, batch: pass.batch)
        return (result.dx, [[Float](repeating: 0, count: weight.count), result.dbias])
    }
}
