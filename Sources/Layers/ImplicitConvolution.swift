import OpenCLRuntime

/// The cpu-implicit convolution (Kernels/conv_implicit.cl): products that read a zero-padded
/// copy of their input instead of unfolded columns, for stride-1 convolutions on CPU devices.
///
/// Per chunk of images, forward pads x and runs one product. Backward takes the weight
/// gradient as dot products of dy with the padded x, then, for the input gradient, pads dy by
/// dilation*(F-1) - padding and convolves it with the flipped, transposed weights. Scratch:
/// the padded input and padded output gradient of a chunk, and the flipped weights.
///
/// Planes whose width is not 4, 8 or a multiple of 16, or whose pixels are not a multiple of
/// 16 (31x31, 15x15, 7x7, 3x3 after a 2x2 valid convolution) run the "rows" kernels: they
/// compute rows of `computedWidth(w)` columns from padded copies with room for the extra
/// columns and store only the valid ones; the weight gradient then reads dy from its padded
/// copy, whose zero columns cancel the extra ones. Planes that fit keep the kernels above.
final class ImplicitConvolution: ConvolutionAlgorithm {
    let kind = ConvAlgorithm.cpuImplicit
    var kernels: String { forwardRows || inputGradientRows ? "cpu-implicit rows" : "cpu-implicit" }
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
    /// Whether forward and the weight gradient (output planes), and the input gradient (input
    /// planes), run the rows kernels.
    private let forwardRows: Bool, inputGradientRows: Bool
    private let padInput, forwardProduct, padGradient, flipWeights, inputGradientProduct, weightGradientProduct,
                biasGradient: Kernel
    private var paddedInput: DeviceBuffer<Float> { scratch[0] }
    private var paddedGradient: DeviceBuffer<Float> { scratch[1] }
    private var flippedWeights: DeviceBuffer<Float> { scratch[2] }

    /// Zero padding of the output gradient that turns the input gradient into a convolution.
    private var gradientPadding: Int { config.dilation * (config.size - 1) - config.padding }
    /// Columns the window reaches past its first: what a padded row holds beyond the computed ones.
    private var windowReach: Int { config.dilation * (config.size - 1) }
    /// The padded input: padding around the plane, and rows wide enough for the rows kernels'
    /// computed columns.
    private var paddedInputShape: (height: Int, width: Int) {
        let width = input.width + 2 * config.padding
        return (input.height + 2 * config.padding,
                forwardRows ? max(width, Self.computedWidth(output.width) + windowReach) : width)
    }
    /// The padded output gradient: wide enough for the rows input gradient's computed columns,
    /// and, for the rows weight gradient, with zeros in the columns past each row of dy.
    private var paddedGradientShape: (height: Int, width: Int) {
        var width = output.width + 2 * gradientPadding
        if inputGradientRows { width = max(width, Self.computedWidth(input.width) + windowReach) }
        if forwardRows { width = max(width, gradientPadding + Self.computedWidth(output.width)) }
        return (output.height + 2 * gradientPadding, width)
    }

    /// Whether the plain kernels take planes of this shape: widths of 4, 8 or a multiple of 16
    /// and a multiple of 16 pixels, so no 16-lane vector straddles two images.
    static func planeFits(width: Int, height: Int) -> Bool {
        (width == 4 || width == 8 || width % 16 == 0) && (width * height) % 16 == 0
    }

    /// Columns the rows kernels compute per row of a plane `width` wide: 4, 8 or the next multiple of 16.
    static func computedWidth(_ width: Int) -> Int {
        width <= 4 ? 4 : width <= 8 ? 8 : (width + 15) / 16 * 16
    }

    /// Whether the layer needs the rows kernels (any of its planes does not fit the plain ones).
    static func needsRows(input: Shape, output: Shape) -> Bool {
        !planeFits(width: output.width, height: output.height) || !planeFits(width: input.width, height: input.height)
    }

    /// Why cpu-implicit cannot run this layer, or nil when it can.
    static func refusal(input: Shape, config: Conv2DConfig, output: Shape) -> String? {
        ConvAlgorithm.paddedCopyRefusal("cpu-implicit", config: config)
    }

    init(context: ComputeContext, layer: String, input: Shape, output: Shape, config: Conv2DConfig) throws {
        self.context = context
        self.layer = layer
        scratch = ConvolutionScratch(context: context)
        self.input = input
        self.output = output
        self.config = config
        forwardRows = !Self.planeFits(width: output.width, height: output.height)
        inputGradientRows = !Self.planeFits(width: input.width, height: input.height)
        outputWidth = forwardRows ? 32 : (output.height * output.width) % 32 == 0 ? 32 : 16
        inputGradientWidth = inputGradientRows ? 32 : (input.height * input.width) % 32 == 0 ? 32 : 16
        func program(_ file: String, _ defines: [String: Int]) throws -> Program {
            var all = ["KS": config.size, "DIL": config.dilation, "RM": Self.registerRows]
            all.merge(defines) { $1 }
            return try LayerPrograms.program(file, context: context, defines: all.mapValues { "\($0)" })
        }
        // Rows kernels: WC and OUT_H defined (the plain kernels' programs keep their defines).
        func plane(_ shape: Shape, rows: Bool) -> [String: Int] {
            rows ? ["OUT_W": shape.width, "OUT_H": shape.height, "WC": Self.computedWidth(shape.width)] : ["OUT_W": shape.width]
        }
        let forward = try program("conv_implicit.cl", plane(output, rows: forwardRows).merging(["VW": outputWidth]) { $1 })
        let backward = try program("conv_implicit.cl", plane(input, rows: inputGradientRows).merging(["VW": inputGradientWidth]) { $1 })
        let weights = try program("conv_implicit.cl", plane(output, rows: forwardRows).merging(
            ["VW": outputWidth, "RF": Self.gradientFilters, "RR": Self.gradientRows]) { $1 })
        padInput = try forward.kernel("pad_planes")
        forwardProduct = try forward.kernel(forwardRows ? "conv_implicit_forward_rows" : "conv_implicit_forward")
        padGradient = try backward.kernel("pad_planes")
        flipWeights = try backward.kernel("flip_transpose_weights")
        inputGradientProduct = try backward.kernel(inputGradientRows ? "conv_implicit_forward_rows" : "conv_implicit_forward")
        weightGradientProduct = try weights.kernel(forwardRows ? "conv_implicit_weight_gradient_rows" : "conv_implicit_weight_gradient")
        biasGradient = try forward.kernel("bias_gradient_rows")
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
        let (hp, wp) = paddedInputShape
        try padInput.setArgs(x, chunk.first * input.count, chunk.count * input.channels, input.height, input.width,
                             config.padding, hp, wp, paddedInput)
        try context.launch(padInput, global: [chunk.count * input.channels], local: [1])
    }

    /// Writes the copy of dy[chunk] padded by `gradientPadding` that the input gradient (and the
    /// rows weight gradient) read.
    private func padGradient(_ dy: DeviceBuffer<Float>, chunk: ConvolutionChunk) throws {
        let (hq, wq) = paddedGradientShape
        try padGradient.setArgs(dy, chunk.first * output.count, chunk.count * config.filters, output.height, output.width,
                                gradientPadding, hq, wq, paddedGradient)
        try context.launch(padGradient, global: [chunk.count * config.filters], local: [1])
    }

    /// y[chunk] from the padded input.
    func forward(_ x: DeviceBuffer<Float>, into y: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                 chunk: ConvolutionChunk) throws {
        try padInput(x, chunk: chunk)
        let (hp, wp) = paddedInputShape
        let biasValue = bias?.value ?? weight.value, hasBias = bias == nil ? 0 : 1
        if forwardRows {
            let rows = chunk.count * output.height
            try forwardProduct.setArgs(config.filters, rows, input.channels, hp, wp, weight.value, paddedInput,
                                       y, chunk.first * output.count, biasValue, hasBias)
            try launchProduct(forwardProduct, columns: rows * Self.computedWidth(output.width), width: outputWidth, rows: config.filters)
            return
        }
        let pixels = output.height * output.width
        try forwardProduct.setArgs(config.filters, chunk.count * pixels, pixels, input.channels, hp, wp, weight.value, paddedInput,
                                   y, chunk.first * output.count, biasValue, hasBias)
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
        let (hq, wq) = paddedGradientShape
        if forwardRows {
            // The rows weight gradient reads dy from its padded copy, which the input gradient reuses.
            try padGradient(dy, chunk: chunk)
            try weightGradientProduct.setArgs(rows, config.filters, chunk.count * output.height, input.channels, hp, wp,
                                              paddedInput, paddedGradient, hq, wq, gradientPadding, weight.gradient)
        } else {
            try weightGradientProduct.setArgs(rows, config.filters, chunk.count, output.height * output.width, input.channels, hp, wp,
                                              paddedInput, dy, chunk.first * output.count, weight.gradient)
        }
        let filterBlocks = (config.filters + Self.gradientFilters - 1) / Self.gradientFilters
        let rowBlocks = (rows + Self.gradientRows - 1) / Self.gradientRows
        // Row blocks first, so consecutive work-groups share a filter block's dy (conv_implicit.cl).
        try context.launch(weightGradientProduct, global: [rowBlocks, filterBlocks], local: [1, 1])
        guard let dx else { return }
        if !forwardRows { try padGradient(dy, chunk: chunk) }
        if inputGradientRows {
            let inputRows = chunk.count * input.height
            try inputGradientProduct.setArgs(input.channels, inputRows, config.filters, hq, wq, flippedWeights, paddedGradient,
                                             dx, chunk.first * input.count, flippedWeights, 0)
            try launchProduct(inputGradientProduct, columns: inputRows * Self.computedWidth(input.width), width: inputGradientWidth,
                              rows: input.channels)
            return
        }
        let pixels = input.height * input.width
        try inputGradientProduct.setArgs(input.channels, chunk.count * pixels, pixels, config.filters, hq, wq, flippedWeights,
                                         paddedGradient, dx, chunk.first * input.count, flippedWeights, 0)
        try launchProduct(inputGradientProduct, columns: chunk.count * pixels, width: inputGradientWidth, rows: input.channels)
    }
}
