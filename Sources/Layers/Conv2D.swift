import OpenCLRuntime

/// A 2-D convolution over chunks of images, through one `ConvolutionAlgorithm`.
///
/// The layer owns the parameters, checks the shapes, picks the algorithm (`ConvAlgorithm`:
/// `TiledGemmConvolution` on any device, `ImplicitConvolution` or `PanelConvolution` on CPU
/// devices) and splits each batch into chunks whose scratch fits `chunkBudgetBytes`; the
/// algorithm runs the chunks. After a training forward that ran the batch as one chunk, the
/// backward reuses the forward's unfolded input instead of unfolding it again.
public final class Conv2D: Layer {
    public let name: String
    public let inputShape: Shape
    public let outputShape: Shape
    public let config: Conv2DConfig
    public let weight: Parameter
    public let bias: Parameter?
    /// The algorithm that runs this layer's products.
    public var algorithm: ConvAlgorithm { convolution.kind }
    /// The GEMM tiling of the algorithms built on gemm.cl (tiled-gemm, gpu-winograd); nil for the others (`conveyor check` lists it).
    public var gemmTuning: GemmTuning? { convolution.gemmTuning }

    /// The algorithm and, where it has several, the variant of its kernels that runs this layer
    /// ("cpu-implicit rows": planes of other widths than 4, 8 or 16k).
    public var kernels: String { convolution.kernels }
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// Bound on the scratch of one chunk: large enough for wide GEMMs (a batch of 100 CIFAR
    /// images in the largest cifar10-quick layer is ~15 MiB), small enough to leave the memory
    /// to activations when the batch or the images grow.
    public static let defaultChunkBudgetBytes = 64 << 20

    /// CPUs: a quarter of the last-level cache, at most 8 MiB, so a chunk's columns are still
    /// in cache when the product reads them (PoCL, 32 MiB L3, cifar10-quick: 8 MiB chunks train
    /// 10% faster than the whole batch of 100 at once; 4 MiB and 16 MiB are no better than 8).
    /// The cap: a VM reports its host's whole L3 (260 MiB on a 2-core Xeon model 207, where
    /// 65 MiB chunks ran the cifar10-fast convolutions 5-25% slower than 2-8 MiB ones). Only
    /// the starting guess: `ConvolutionTuner` measures the chunk per machine.
    static func cpuChunkBudget(for device: Device) -> Int {
        min(max(Int(device.globalMemoryCache) / 4, 1 << 20), 8 << 20)
    }

    /// The chunk budget of this layer; change it before `reserve(batch:)` (tests use small ones).
    public var chunkBudgetBytes = Conv2D.defaultChunkBudgetBytes

    private let convolution: any ConvolutionAlgorithm
    private var reservedBatch = 0
    /// The input and batch whose unfolded columns (or padded copy, cpu-implicit) the scratch
    /// still holds: set by a training forward that ran the batch as one chunk, so the backward
    /// that follows it (the Layer contract) skips redoing them. Cleared when anything else
    /// writes the scratch.
    private var unfoldedInput: (input: ObjectIdentifier, batch: Int)?

    private var channelsPerGroup: Int { inputShape.channels / config.groups }
    private var pixels: Int { outputShape.height * outputShape.width }

    /// `algorithm` nil picks `ConvAlgorithm.preferred` for the device.
    /// `chunkBudgetBytes` nil: the algorithm's rule (see `cpuChunkBudget`).
    public init(context: ComputeContext, name: String, input: Shape, config: Conv2DConfig,
                gemmTuning: GemmTuning? = nil, algorithm: ConvAlgorithm? = nil, chunkBudgetBytes: Int? = nil) throws {
        guard config.filters >= 1 else { throw ShapeError(layer: name, message: "filters is \(config.filters); it must be at least 1") }
        guard config.groups >= 1 else { throw ShapeError(layer: name, message: "groups is \(config.groups); it must be at least 1") }
        guard input.channels % config.groups == 0, config.filters % config.groups == 0 else {
            throw ShapeError(layer: name, message: "groups \(config.groups) must divide both the input channels (\(input.channels)) "
                             + "and the filters (\(config.filters)); change groups or the channel counts")
        }
        self.name = name
        self.inputShape = input
        self.outputShape = try Self.outputShape(name: name, input: input, config: config)
        self.config = config
        let window = config.size * config.size
        let perGroup = input.channels / config.groups
        weight = try Parameter(context: context, layer: name, name: "weight", shape: [config.filters, perGroup, config.size, config.size],
                               kind: .weight, fanIn: perGroup * window, fanOut: config.filters * window / config.groups)
        bias = config.bias ? try Parameter(context: context, layer: name, name: "bias", shape: [config.filters], kind: .bias,
                                           fanIn: perGroup * window, fanOut: config.filters * window / config.groups) : nil
        let algorithm = algorithm ?? ConvAlgorithm.preferred(for: context.device, input: input, config: config, output: outputShape)
        if let refusal = algorithm.refusal(input: input, config: config, output: outputShape) {
            throw ShapeError(layer: name, message: refusal + "; use the tiled-gemm algorithm")
        }
        if let chunkBudgetBytes {
            self.chunkBudgetBytes = chunkBudgetBytes
        } else if algorithm != .tiledGemm {
            self.chunkBudgetBytes = Self.cpuChunkBudget(for: context.device)
        }
        convolution = try algorithm.convolution(context: context, layer: name, input: input, output: outputShape, config: config,
                                                gemmTuning: gemmTuning)
    }

    /// The output shape, (W - F + 2P) / S + 1 per axis (dilated windows, the config's rounding).
    static func outputShape(name: String, input: Shape, config: Conv2DConfig) throws -> Shape {
        let height = try OutputSize.compute(layer: name, axis: "height", input: input.height, window: config.size, stride: config.stride,
                                            padding: config.padding, dilation: config.dilation, rounding: config.rounding)
        let width = try OutputSize.compute(layer: name, axis: "width", input: input.width, window: config.size, stride: config.stride,
                                           padding: config.padding, dilation: config.dilation, rounding: config.rounding)
        return Shape(channels: config.filters, height: height, width: width)
    }

    public var kernelVariant: KernelVariant { .convolution(algorithm, tuning: gemmTuning) }

    public var forwardFLOPsPerImage: Int {
        2 * config.size * config.size * channelsPerGroup * config.filters * pixels + (config.bias ? config.filters * pixels : 0)
    }

    /// Images per chunk: the whole batch when its scratch fits `chunkBudgetBytes`, else fewer (at least 1).
    public func chunkSize(batch: Int) -> Int {
        let perImage = convolution.scratchFloatsPerImage * MemoryLayout<Float>.stride
        return max(1, min(batch, chunkBudgetBytes / max(perImage, 1)))
    }

    /// The budget that makes chunks of exactly `images` images at any batch of at least that many.
    public func chunkBudget(images: Int) -> Int {
        max(1, images) * convolution.scratchFloatsPerImage * MemoryLayout<Float>.stride
    }

    public func scratchRequests(batch: Int) -> [BufferRequest] {
        guard batch > 0 else { return [] }
        return convolution.scratchRequests(chunk: chunkSize(batch: batch))
    }

    public func reserve(batch: Int) throws {
        guard batch > reservedBatch else { return }
        try convolution.reserve(chunk: chunkSize(batch: batch))
        reservedBatch = batch
    }

    /// The batch's chunks, reserving scratch for the batch first when it is larger than the reserved one.
    private func chunks(batch: Int) throws -> [ConvolutionChunk] {
        if batch > reservedBatch { try reserve(batch: batch) }
        return ConvolutionChunk.split(batch: batch, size: chunkSize(batch: reservedBatch))
    }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        let chunks = try chunks(batch: batch)
        unfoldedInput = mode == .training && chunks.count == 1 ? (ObjectIdentifier(input), batch) : nil
        for chunk in chunks {
            try convolution.forward(input, into: output, weight: weight, bias: bias, chunk: chunk)
        }
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        let chunks = try chunks(batch: batch)
        let scratchHoldsInput = unfoldedInput.map { $0.input == ObjectIdentifier(input) && $0.batch == batch } ?? false
        unfoldedInput = nil   // the input gradient's scratch overwrites it below
        try convolution.beginBackward(outputGradient: outputGradient, weight: weight, bias: bias,
                                      computesInputGradient: inputGradient != nil, batch: batch)
        for chunk in chunks {
            try convolution.backward(input: input, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
                                     chunk: chunk, scratchHoldsInput: scratchHoldsInput)
        }
    }

    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        try referenceForward(through: ConvReference(input: inputShape, config: config), input, batch: batch, parameters: parameters)
    }

    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        try referenceBackward(through: ConvReference(input: inputShape, config: config), pass, outputGradient: outputGradient,
                              parameters: parameters)
    }
}
