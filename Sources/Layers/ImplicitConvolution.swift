import OpenCLRuntime

/// The cpu-implicit convolution (Kernels/conv_implicit.cl): products that read a zero-padded
/// copy of their input instead of unfolded columns, for stride-1 convolutions on CPU devices.
///
/// Per chunk of images, forward pads x and runs one product. Backward takes the weight
/// gradient as dot products of dy with the padded x, then, for the input gradient, pads dy by
/// dilation*(F-1) - padding and convolves it with the flipped, transposed weights. Scratch:
/// the padded input and padded output gradient of a chunk, and the flipped weights.
final class ImplicitConvolution: ConvolutionAlgorithm {
    let kind = ConvAlgorithm.cpuImplicit
    let scratch: ConvolutionScratch
    /// Rows per work-item of the convolution products, as in `PanelConvolution`.
    static let registerRows = 8
    /// Filters x weight rows per work-item of the weight gradient: 24 float16 accumulators
    /// (PoCL, cifar10-quick: 4x6 14.5 ms per step; 4x7, 6x4 and 3x8 15-17 ms).
    static let gradientFilters = 4, gradientRows = 6

    private let context: ComputeContext
    private let layer: String
    private let input: Shape, output: Shape, config: Conv2DConfig
    private let outputWidth: Int, inputGradientWidth: Int
    private let padInput, forwardProduct, padGradient, flipWeights, inputGradientProduct, weightGradientProduct,
                biasGradient: Kernel
    private var paddedInput: DeviceBuffer<Float> { scratch[0] }
    private var paddedGradient: DeviceBuffer<Float> { scratch[1] }
    private var flippedWeights: DeviceBuffer<Float> { scratch[2] }

    /// Zero padding of the output gradient that turns the input gradient into a convolution.
    private var gradientPadding: Int { config.dilation * (config.size - 1) - config.padding }
    private var paddedInputShape: (height: Int, width: Int) { (input.height + 2 * config.padding, input.width + 2 * config.padding) }
    private var paddedGradientShape: (height: Int, width: Int) {
        (output.height + 2 * gradientPadding, output.width + 2 * gradientPadding)
    }

    /// Why cpu-implicit cannot run this layer, or nil when it can.
    static func refusal(input: Shape, config: Conv2DConfig, output: Shape) -> String? {
        func planeFits(width: Int, height: Int) -> Bool {
            (width == 4 || width == 8 || width % 16 == 0) && (width * height) % 16 == 0
        }
        if config.groups != 1 { return "groups is \(config.groups); the cpu-implicit convolution needs groups = 1" }
        if config.stride != 1 { return "stride is \(config.stride); the cpu-implicit convolution needs stride 1" }
        if config.padding > config.dilation * (config.size - 1) {
            return "padding \(config.padding) is wider than the window; the cpu-implicit convolution cannot run it"
        }
        if !planeFits(width: output.width, height: output.height) || !planeFits(width: input.width, height: input.height) {
            return "planes of \(input.width)x\(input.height) in and \(output.width)x\(output.height) out: the cpu-implicit "
                + "convolution needs widths of 4, 8 or a multiple of 16 and planes of a multiple of 16 pixels"
        }
        return nil
    }

    init(context: ComputeContext, layer: String, input: Shape, output: Shape, config: Conv2DConfig) throws {
        self.context = context
        self.layer = layer
        scratch = ConvolutionScratch(context: context)
        self.input = input
        self.output = output
        self.config = config
        outputWidth = (output.height * output.width) % 32 == 0 ? 32 : 16
        inputGradientWidth = (input.height * input.width) % 32 == 0 ? 32 : 16
        func program(_ file: String, _ defines: [String: Int]) throws -> Program {
            var all = ["KS": config.size, "DIL": config.dilation, "RM": Self.registerRows]
            all.merge(defines) { $1 }
            return try LayerPrograms.program(file, context: context, defines: all.mapValues { "\($0)" })
        }
        let forward = try program("conv_implicit.cl", ["OUT_W": output.width, "VW": outputWidth])
        let backward = try program("conv_implicit.cl", ["OUT_W": input.width, "VW": inputGradientWidth])
        let weights = try program("conv_implicit.cl", ["OUT_W": output.width, "VW": outputWidth,
                                                       "RF": Self.gradientFilters, "RR": Self.gradientRows])
        let cpu = try program("conv_cpu.cl", [:])
        padInput = try forward.kernel("pad_planes")
        forwardProduct = try forward.kernel("conv_implicit_forward")
        padGradient = try backward.kernel("pad_planes")
        flipWeights = try backward.kernel("flip_transpose_weights")
        inputGradientProduct = try backward.kernel("conv_implicit_forward")
        weightGradientProduct = try weights.kernel("conv_implicit_weight_gradient")
        biasGradient = try cpu.kernel("bias_gradient_rows")
    }

    private var paddedInputFloatsPerImage: Int { input.channels * paddedInputShape.height * paddedInputShape.width }
    private var paddedGradientFloatsPerImage: Int { config.filters * paddedGradientShape.height * paddedGradientShape.width }

    /// The padded input and the padded output gradient (the flipped weights do not grow with the chunk).
    var scratchFloatsPerImage: Int { paddedInputFloatsPerImage + paddedGradientFloatsPerImage }

    func scratchRequests(chunk: Int) -> [BufferRequest] {
        [BufferRequest(Float.self, count: chunk * paddedInputFloatsPerImage, label: "\(layer).padded input"),
         BufferRequest(Float.self, count: chunk * paddedGradientFloatsPerImage, label: "\(layer).padded gradient"),
         BufferRequest(Float.self, count: config.filters * input.channels * config.size * config.size,
                       label: "\(layer).flipped weights")]
    }

    private func launchProduct(_ kernel: Kernel, columns: Int, width: Int, rows: Int) throws {
        // One work-item per work-group, as in PanelConvolution.
        try context.launch(kernel, global: [(columns + width - 1) / width, (rows + Self.registerRows - 1) / Self.registerRows],
                           local: [1, 1])
    }

    /// Writes the zero-padded copy of x[chunk] that forward and the weight gradient read.
    private func padInput(_ x: DeviceBuffer<Float>, chunk: ConvolutionChunk) throws {
        try padInput.setArgs(x, chunk.first * input.count, chunk.count * input.channels, input.height, input.width,
                             config.padding, paddedInput)
        try context.launch(padInput, global: [chunk.count * input.channels], local: [1])
    }

    /// y[chunk] from the padded input.
    func forward(_ x: DeviceBuffer<Float>, into y: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                 chunk: ConvolutionChunk) throws {
        try padInput(x, chunk: chunk)
        let pixels = output.height * output.width
        let (hp, wp) = paddedInputShape
        try forwardProduct.setArgs(config.filters, chunk.count * pixels, pixels, input.channels, hp, wp, weight.value, paddedInput,
                                   y, chunk.first * output.count, bias?.value ?? weight.value, bias == nil ? 0 : 1)
        try launchProduct(forwardProduct, columns: chunk.count * pixels, width: outputWidth, rows: config.filters)
    }

    /// bias.gradient += dy summed over the batch, then the flipped, transposed weights for this
    /// pass's input gradients (once per backward pass).
    func beginBackward(outputGradient dy: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                       computesInputGradient: Bool, batch: Int) throws {
        if let bias {
            try biasGradient.setArgs(dy, config.filters, output.height * output.width, batch, bias.gradient)
            try context.launch(biasGradient, global: [config.filters], local: [1])
        }
        guard computesInputGradient else { return }
        try flipWeights.setArgs(weight.value, config.filters, input.channels, flippedWeights)
        try LayerPrograms.launchElementwise(flipWeights, count: flippedWeights.count, context: context)
    }

    /// weight.gradient += dy * unfold(padded input)^T for the chunk, then
    /// dx[chunk] = conv(pad(dy), flipped weights).
    func backward(input x: DeviceBuffer<Float>, outputGradient dy: DeviceBuffer<Float>, weight: Parameter,
                  inputGradient dx: DeviceBuffer<Float>?, chunk: ConvolutionChunk, scratchHoldsInput: Bool) throws {
        if !scratchHoldsInput { try padInput(x, chunk: chunk) }
        let rows = input.channels * config.size * config.size
        let (hp, wp) = paddedInputShape
        try weightGradientProduct.setArgs(rows, config.filters, chunk.count, output.height * output.width, input.channels, hp, wp,
                                          paddedInput, dy, chunk.first * output.count, weight.gradient)
        let filterBlocks = (config.filters + Self.gradientFilters - 1) / Self.gradientFilters
        let rowBlocks = (rows + Self.gradientRows - 1) / Self.gradientRows
        try context.launch(weightGradientProduct, global: [filterBlocks, rowBlocks], local: [1, 1])
        guard let dx else { return }
        let (hq, wq) = paddedGradientShape
        let pixels = input.height * input.width
        try padGradient.setArgs(dy, chunk.first * output.count, chunk.count * config.filters, output.height, output.width,
                                gradientPadding, paddedGradient)
        try context.launch(padGradient, global: [chunk.count * config.filters], local: [1])
        try inputGradientProduct.setArgs(input.channels, chunk.count * pixels, pixels, config.filters, hq, wq, flippedWeights,
                                         paddedGradient, dx, chunk.first * input.count, flippedWeights, 0)
        try launchProduct(inputGradientProduct, columns: chunk.count * pixels, width: inputGradientWidth, rows: input.channels)
    }
}
