import Foundation
import OpenCLRuntime

/// The cpu-channels convolution (Kernels/conv_channels.cl): products whose 16 vector lanes are
/// 16 filters of one output pixel, for stride-1 convolutions on CPU devices.
///
/// cpu-implicit vectorises along the pixels of a plane, which small planes (8x8, 4x4) fill
/// only in pieces; here any plane gives full vectors, as long as there are filters to fill
/// them. Forward pads x and multiplies packed 16-filter weight vectors by broadcast inputs.
/// Backward pads dy by dilation*(F-1) - padding and runs the same kernel with the flipped,
/// transposed weights for the input gradient, and takes the weight gradient from dy copied
/// with each pixel's filters contiguous. Scratch: the padded input and output gradient of a
/// chunk, that copy of dy, and the two packed weight layouts.
final class ChannelVectorConvolution: ConvolutionAlgorithm {
    let kind = ConvAlgorithm.cpuChannels
    let scratch: ConvolutionScratch

    /// Work per work-item of one product: PX x PY output pixels by `vectors` 16-filter vectors.
    struct Blocking: Equatable {
        var columns: Int, rows: Int, vectors: Int

        /// 16 float16 accumulators: rows of up to 8 pixels (as many rows as make 8 pixels on
        /// narrower planes) by 2 filter vectors. With 24 (3 vectors) PoCL's code spilled
        /// accumulators to the stack and ran cifar10-fast's 256-filter layers 10-40% slower.
        static func rule(filters: Int, width: Int, height: Int) -> Blocking {
            let columns = min(width, 8)
            return Blocking(columns: columns, rows: max(1, min(height, 8 / columns)), vectors: min(2, (filters + 15) / 16))
        }
    }

    /// Work per work-item of the weight gradient: `channels` input channels x `windowRows` rows
    /// of the window (all its columns) x 2 filter vectors, about 18 accumulators: a 3x3 window
    /// whole (1 x 3 x 2 was the fastest of 1 x 1, 1 x 2, 1 x 3, 1 x 4 vectors and 2 channels on
    /// cifar10-fast), a row of a 5x5 one (a whole one, 50 accumulators, spilled), 9 channels of
    /// a 1x1 one.
    struct GradientBlocking: Equatable {
        var channels: Int, windowRows: Int
        static let vectors = 2

        static func rule(size: Int) -> GradientBlocking {
            let windowRows = min(size, max(1, 9 / size))
            return GradientBlocking(channels: max(1, 9 / (windowRows * size)), windowRows: windowRows)
        }

        /// Work-items along the first axis: channel blocks times blocks of window rows.
        func items(channels total: Int, size: Int) -> Int {
            (total + channels - 1) / channels * ((size + windowRows - 1) / windowRows)
        }
    }

    private let context: ComputeContext
    private let layer: String
    private let input: Shape, output: Shape, config: Conv2DConfig
    private let forwardBlocking: Blocking, inputGradientBlocking: Blocking
    private let gradientBlocking: GradientBlocking
    private let padPlanes, forwardProduct, packWeights, inputGradientProduct, filtersLast, weightGradientProduct,
                biasGradient: Kernel
    private var paddedInput: DeviceBuffer<Float> { scratch[0] }
    private var paddedGradient: DeviceBuffer<Float> { scratch[1] }
    private var gradientFiltersLast: DeviceBuffer<Float> { scratch[2] }
    private var packedWeights: DeviceBuffer<Float> { scratch[3] }
    private var packedFlippedWeights: DeviceBuffer<Float> { scratch[4] }

    private var window: Int { config.size * config.size }
    private var gradientPadding: Int { config.dilation * (config.size - 1) - config.padding }
    private var paddedInputShape: (height: Int, width: Int) { (input.height + 2 * config.padding, input.width + 2 * config.padding) }
    private var paddedGradientShape: (height: Int, width: Int) {
        (output.height + 2 * gradientPadding, output.width + 2 * gradientPadding)
    }
    private static func vectors(_ count: Int) -> Int { (count + 15) / 16 }

    /// Floats past the last padded plane that a block hanging over the plane's bottom-right
    /// edge reads (it computes values it does not store).
    private static func overhang(_ blocking: Blocking, pitch: Int) -> Int { (blocking.rows + 1) * pitch + blocking.columns }

    /// Why cpu-channels cannot run this layer, or nil when it can.
    static func refusal(input: Shape, config: Conv2DConfig, output: Shape) -> String? {
        ConvAlgorithm.paddedCopyRefusal("cpu-channels", config: config)
    }

    init(context: ComputeContext, layer: String, input: Shape, output: Shape, config: Conv2DConfig) throws {
        self.context = context
        self.layer = layer
        scratch = ConvolutionScratch(context: context)
        self.input = input
        self.output = output
        self.config = config
        forwardBlocking = Blocking.rule(filters: config.filters, width: output.width, height: output.height)
        inputGradientBlocking = Blocking.rule(filters: input.channels, width: input.width, height: input.height)
        gradientBlocking = GradientBlocking.rule(size: config.size)
        func program(plane: Shape, pitch: Int, blocking: Blocking, gradient: [String: Int] = [:]) throws -> Program {
            let defines = ["KS": config.size, "DIL": config.dilation, "WP": pitch, "OW": plane.width, "OH": plane.height,
                           "PX": blocking.columns, "PY": blocking.rows, "MB": blocking.vectors].merging(gradient) { $1 }
            return try LayerPrograms.program("conv_channels.cl", context: context, defines: defines.mapValues { "\($0)" })
        }
        let forward = try program(plane: output, pitch: input.width + 2 * config.padding, blocking: forwardBlocking)
        let backward = try program(plane: input, pitch: output.width + 2 * (config.dilation * (config.size - 1) - config.padding),
                                   blocking: inputGradientBlocking)
        let weights = try program(plane: output, pitch: input.width + 2 * config.padding,
                                  blocking: Blocking(columns: 1, rows: 1, vectors: GradientBlocking.vectors),
                                  gradient: ["CB": gradientBlocking.channels, "KR": gradientBlocking.windowRows])
        padPlanes = try forward.kernel("pad_planes")
        packWeights = try forward.kernel("pack_filter_vectors")
        forwardProduct = try forward.kernel("conv_channels_forward")
        inputGradientProduct = try backward.kernel("conv_channels_forward")
        filtersLast = try weights.kernel("filters_last")
        weightGradientProduct = try weights.kernel("conv_channels_weight_gradient")
        biasGradient = try forward.kernel("bias_gradient_rows")
    }

    private var paddedInputFloatsPerImage: Int { input.channels * paddedInputShape.height * paddedInputShape.width }
    private var paddedGradientFloatsPerImage: Int { config.filters * paddedGradientShape.height * paddedGradientShape.width }
    private var filtersLastFloatsPerImage: Int { output.height * output.width * Self.vectors(config.filters) * 16 }

    var scratchFloatsPerImage: Int { paddedInputFloatsPerImage + paddedGradientFloatsPerImage + filtersLastFloatsPerImage }

    func scratchRequests(chunk: Int) -> [BufferRequest] {
        let inputOverhang = Self.overhang(forwardBlocking, pitch: paddedInputShape.width)
        let gradientOverhang = Self.overhang(inputGradientBlocking, pitch: paddedGradientShape.width)
        return [BufferRequest(Float.self, count: chunk * paddedInputFloatsPerImage + inputOverhang, label: "\(layer).padded input"),
                BufferRequest(Float.self, count: chunk * paddedGradientFloatsPerImage + gradientOverhang,
                              label: "\(layer).padded gradient"),
                BufferRequest(Float.self, count: chunk * filtersLastFloatsPerImage, label: "\(layer).gradient, filters last"),
                BufferRequest(Float.self, count: Self.vectors(config.filters) * 16 * input.channels * window,
                              label: "\(layer).packed weights"),
                BufferRequest(Float.self, count: Self.vectors(input.channels) * 16 * config.filters * window,
                              label: "\(layer).packed flipped weights")]
    }

    func reserve(chunk: Int) throws {
        let grew = try scratch.reserve(scratchRequests(chunk: chunk), chunk: chunk)
        // The overhang past the last plane is read but never written: zeros keep it finite.
        if grew {
            try paddedInput.fill(0)
            try paddedGradient.fill(0)
        }
    }

    private func pack(_ weights: DeviceBuffer<Float>, filters: Int, channels: Int, transposed: Bool,
                      into packed: DeviceBuffer<Float>) throws {
        let total = Self.vectors(filters) * 16 * channels * window
        try packWeights.setArgs(weights, filters, channels, transposed ? 1 : 0, total, packed)
        try LayerPrograms.launchElementwise(packWeights, count: total, context: context)
    }

    /// One pad_planes launch: its arguments are taken when it is enqueued, so one kernel serves
    /// the input and the output gradient.
    private func pad(_ source: DeviceBuffer<Float>, offset: Int, planes: Int, plane: Shape, padding: Int,
                     shape: (height: Int, width: Int), into destination: DeviceBuffer<Float>) throws {
        try padPlanes.setArgs(source, offset, planes, plane.height, plane.width, padding, shape.height, shape.width, destination)
        try context.launch(padPlanes, global: [planes], local: [1])
    }

    /// The zero-padded copy of x[chunk] that forward and the weight gradient read.
    private func padInput(_ x: DeviceBuffer<Float>, chunk: ConvolutionChunk) throws {
        try pad(x, offset: chunk.first * input.count, planes: chunk.count * input.channels, plane: input,
                padding: config.padding, shape: paddedInputShape, into: paddedInput)
    }

    /// One product: `filters` outputs per pixel of `plane` for `images` images from padded planes.
    private func product(_ kernel: Kernel, blocking: Blocking, filters: Int, channels: Int, images: Int, plane: Shape,
                         padded: (height: Int, width: Int), weights: DeviceBuffer<Float>, source: DeviceBuffer<Float>,
                         into destination: DeviceBuffer<Float>, offset: Int, bias: DeviceBuffer<Float>?) throws {
        let blocksX = (plane.width + blocking.columns - 1) / blocking.columns
        let blocksPerImage = blocksX * ((plane.height + blocking.rows - 1) / blocking.rows)
        try kernel.setArgs(filters, channels, padded.height * padded.width, blocksX, blocksPerImage, weights, source,
                           destination, offset, bias ?? weights, bias == nil ? 0 : 1)
        let filterBlocks = (Self.vectors(filters) + blocking.vectors - 1) / blocking.vectors
        try context.launch(kernel, global: [images * blocksPerImage, filterBlocks], local: [1, 1])
    }

    func forward(_ x: DeviceBuffer<Float>, into y: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                 chunk: ConvolutionChunk) throws {
        // Chunks run in order from the first image: pack once per pass.
        if chunk.first == 0 {
            try pack(weight.value, filters: config.filters, channels: input.channels, transposed: false, into: packedWeights)
        }
        try padInput(x, chunk: chunk)
        try product(forwardProduct, blocking: forwardBlocking, filters: config.filters, channels: input.channels, images: chunk.count,
                    plane: output, padded: paddedInputShape, weights: packedWeights, source: paddedInput, into: y,
                    offset: chunk.first * output.count, bias: bias?.value)
    }

    func beginBackward(outputGradient dy: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                       computesInputGradient: Bool, batch: Int) throws {
        if let bias {
            try biasGradient.setArgs(dy, config.filters, output.height * output.width, batch, bias.gradient)
            try context.launch(biasGradient, global: [config.filters], local: [1])
        }
        guard computesInputGradient else { return }
        try pack(weight.value, filters: input.channels, channels: config.filters, transposed: true, into: packedFlippedWeights)
    }

    func backward(input x: DeviceBuffer<Float>, outputGradient dy: DeviceBuffer<Float>, weight: Parameter,
                  inputGradient dx: DeviceBuffer<Float>?, chunk: ConvolutionChunk, scratchHoldsInput: Bool) throws {
        if !scratchHoldsInput {
            try padInput(x, chunk: chunk)
        }
        let filterVectors = Self.vectors(config.filters)
        try filtersLast.setArgs(dy, chunk.first * output.count, config.filters, output.height * output.width, filterVectors,
                                chunk.count, gradientFiltersLast)
        try context.launch(filtersLast, global: [chunk.count * filterVectors], local: [1])
        try weightGradientProduct.setArgs(config.filters, input.channels, chunk.count,
                                          paddedInputShape.height * paddedInputShape.width, paddedInput, gradientFiltersLast,
                                          weight.gradient)
        // Channel blocks first, so consecutive work-groups share a filter block of dy (conv_channels.cl).
        try context.launch(weightGradientProduct,
                           global: [gradientBlocking.items(channels: input.channels, size: config.size),
                                    (filterVectors + GradientBlocking.vectors - 1) / GradientBlocking.vectors],
                           local: [1, 1])
        guard let dx else { return }
        try pad(dy, offset: chunk.first * output.count, planes: chunk.count * config.filters, plane: output,
                padding: gradientPadding, shape: paddedGradientShape, into: paddedGradient)
        try product(inputGradientProduct, blocking: inputGradientBlocking, filters: input.channels, channels: config.filters,
                    images: chunk.count, plane: input, padded: paddedGradientShape, weights: packedFlippedWeights,
                    source: paddedGradient, into: dx, offset: chunk.first * input.count, bias: nil)
    }
}
