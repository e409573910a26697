import OpenCLRuntime

/// The Winograd convolutions (Kernels/conv_winograd.cl): Winograd's minimal filtering
/// F(m x m, 3x3) for 3x3, stride-1, undilated, ungrouped convolutions, in two styles
/// (`Style`): cpu-winograd for CPU devices and gpu-winograd for GPUs.
///
/// A direct 3x3 convolution already runs near the FMA units' rate here (cpu-channels); what is
/// left is doing fewer multiplications: F(2x2, 3x3) needs 16 products per 2x2 outputs instead of
/// 36. Per chunk, forward transforms the input tiles (V), multiplies them by the transformed
/// filters (U) as (m+2)^2 matrix products and transforms the products back. Backward runs the
/// same pipeline on dy with the flipped, transposed filters for the input gradient, and takes
/// the weight gradient as the exact gradient of the forward's formula, from the forward's V
/// (when the scratch still holds it) and the transformed dy. Scratch: V (later the input
/// gradient's products), the products (later the transformed dy), both transformed filter sets
/// and the transformed filters' gradient, which sums over the chunks of a batch before one
/// transform into the weight gradient, and the zero-padded copy of x or dy the input transform reads.
final class WinogradConvolution: ConvolutionAlgorithm {
    /// How the transformed tiles are multiplied and the helpers launched.
    enum Style {
        /// winograd_product (one work-item per 8-row by 32-column register block, no barriers),
        /// pad_planes and bias_gradient_rows (one work-item per plane or filter): CPUs.
        case cpuBlocks
        /// One batched launch of gemm.cl's tiled product over the tile positions, with this
        /// tiling; pad_planes_items and conv.cl's bias_gradient (many work-items each): GPUs.
        case tiledGemm(GemmTuning)
    }

    let kind: ConvAlgorithm
    let scratch: ConvolutionScratch
    /// Outputs per side of a tile: F(tile x tile, 3x3).
    let tile: Int
    let style: Style
    var gemmTuning: GemmTuning? {
        if case .tiledGemm(let tuning) = style { return tuning }
        return nil
    }
    /// Rows x 16-column vectors per work-item of the products: 16 float16 accumulators, as in
    /// cpu-channels (PoCL spilled 24 to the stack there).
    static let blockRows = 8, blockVectors = 2

    private let context: ComputeContext
    private let layer: String
    private let input: Shape, output: Shape, config: Conv2DConfig
    private let padPlanes, filterTransform, inputTransform, gradientTransform, product, outputTransform, filterGradient,
                biasGradient: Kernel
    /// The products and the output transform in one kernel, without M in memory (cpu style, where
    /// the device's local memory holds a block's products at every position), for the
    /// reductions `fuses(reduction:)` takes.
    private let productOutput: Kernel?
    var fusesOutputTransform: Bool { productOutput != nil }
    /// The batched products of the gpu style.
    private let gemm: MatrixMultiply?
    /// The batch of the backward pass under way: its last chunk turns the summed dU into dw.
    private var backwardBatch = 0
    private var transformedInput: DeviceBuffer<Float> { scratch[0] }   // V; the input gradient's products
    private var products: DeviceBuffer<Float> { scratch[1] }           // M; the transformed dy (both uses)
    private var filters: DeviceBuffer<Float> { scratch[2] }            // U
    private var flippedFilters: DeviceBuffer<Float> { scratch[3] }     // U of the input gradient
    private var filterGradients: DeviceBuffer<Float> { scratch[4] }    // dU, summed over the chunks
    private var paddedPlanes: DeviceBuffer<Float> { scratch[5] }       // x or dy, zero-padded to whole tiles

    private var positions: Int { (tile + 2) * (tile + 2) }
    private var gradientPadding: Int { 2 - config.padding }
    /// Also a multiple of `transformGroup`, which launches over the padded columns.
    private static let columnsPerBlock = blockVectors * 16
    private static func padded(_ columns: Int) -> Int { (columns + columnsPerBlock - 1) / columnsPerBlock * columnsPerBlock }
    private func tiles(_ plane: Shape) -> (x: Int, y: Int) { ((plane.width + tile - 1) / tile, (plane.height + tile - 1) / tile) }
    private var outputTiles: Int { tiles(output).x * tiles(output).y }
    private var inputTiles: Int { tiles(input).x * tiles(input).y }
    /// Columns of the transformed tiles of a chunk (a whole number of the products' blocks).
    private func columns(images: Int, tilesPerImage: Int) -> Int { Self.padded(images * tilesPerImage) }
    /// Columns of dU: the filters, in whole blocks.
    private var filterColumns: Int { Self.padded(config.filters) }

    /// Why a Winograd convolution (`algorithm`) cannot run this layer, or nil when it can.
    static func refusal(algorithm: ConvAlgorithm, input: Shape, config: Conv2DConfig) -> String? {
        let name = algorithm.rawValue
        if config.size != 3 { return "windows are \(config.size)x\(config.size); the \(name) convolution needs 3x3" }
        if config.dilation != 1 { return "dilation is \(config.dilation); the \(name) convolution needs dilation 1" }
        return ConvAlgorithm.paddedCopyRefusal(name, config: config)
    }

    /// `fusesOutputTransform` false keeps the cpu style's products and output transform two kernels
    /// (tests compare the two ways).
    init(context: ComputeContext, layer: String, input: Shape, output: Shape, config: Conv2DConfig, kind: ConvAlgorithm,
         tile: Int, style: Style, fusesOutputTransform: Bool = true) throws {
        precondition(tile == 2 || tile == 4, "F(2x2, 3x3) and F(4x4, 3x3) only")
        self.context = context
        self.layer = layer
        self.kind = kind
        self.tile = tile
        self.style = style
        scratch = ConvolutionScratch(context: context)
        self.input = input
        self.output = output
        self.config = config
        let program = try LayerPrograms.program("conv_winograd.cl", context: context,
                                                defines: ["WM": "\(tile)", "RM": "\(Self.blockRows)", "NV": "\(Self.blockVectors)"])
        switch style {
        case .cpuBlocks:
            padPlanes = try program.kernel("pad_planes")
            biasGradient = try program.kernel("bias_gradient_rows")
            gemm = nil
            productOutput = fusesOutputTransform && UInt64(Self.fusedBlockBytes(tile: tile)) <= context.device.localMemory
                ? try program.kernel("winograd_product_output") : nil
        case .tiledGemm(let tuning):
            padPlanes = try program.kernel("pad_planes_items")
            biasGradient = try LayerPrograms.program("conv.cl", context: context).kernel("bias_gradient")
            gemm = try MatrixMultiply(context: context, tuning: tuning)
            productOutput = nil
        }
        filterTransform = try program.kernel("winograd_filter_transform")
        inputTransform = try program.kernel("winograd_input_transform")
        gradientTransform = try program.kernel("winograd_gradient_transform")
        product = try program.kernel("winograd_product")
        outputTransform = try program.kernel("winograd_output_transform")
        filterGradient = try program.kernel("winograd_filter_gradient")
    }

    /// Floats of the two tile buffers per image: V (or the input gradient's products) and M (or
    /// the transformed dy, or the transformed dy of the input gradient), without block padding.
    private var firstFloatsPerImage: Int { positions * input.channels * max(outputTiles, inputTiles) }
    private var secondFloatsPerImage: Int { positions * max(filterColumns * outputTiles, config.filters * inputTiles) }

    var scratchFloatsPerImage: Int { firstFloatsPerImage + secondFloatsPerImage + paddedFloatsPerImage }

    func scratchRequests(chunk: Int) -> [BufferRequest] {
        // Room for the columns padded to whole blocks, as a fixed overhang so that the scratch
        // grows by the same bytes with every image (what `Conv2D`'s chunk budget assumes).
        let outputColumns = chunk * outputTiles + Self.columnsPerBlock - 1
        let inputColumns = chunk * inputTiles + Self.columnsPerBlock - 1
        let first = positions * input.channels * max(outputColumns, inputColumns)
        let second = positions * max(config.filters * outputColumns, outputColumns * filterColumns, config.filters * inputColumns)
        let filterFloats = positions * input.channels * config.filters
        return [BufferRequest(Float.self, count: first, label: "\(layer).winograd input tiles"),
                BufferRequest(Float.self, count: second, label: "\(layer).winograd products"),
                BufferRequest(Float.self, count: filterFloats, label: "\(layer).winograd filters"),
                BufferRequest(Float.self, count: filterFloats, label: "\(layer).winograd flipped filters"),
                BufferRequest(Float.self, count: positions * input.channels * filterColumns, label: "\(layer).winograd filter gradients"),
                BufferRequest(Float.self, count: chunk * paddedFloatsPerImage, label: "\(layer).winograd padded planes")]
    }

    func reserve(chunk: Int) throws {
        // The columns past a chunk's tiles are computed and never used: zeros keep them finite.
        if try scratch.reserve(scratchRequests(chunk: chunk), chunk: chunk) {
            try transformedInput.fill(0)
            try products.fill(0)
        }
    }

    /// U of `filterCount` filters of `channels` channels from w (transposed: w holds `channels`
    /// filters of `filterCount` channels, flipped and transposed on the way).
    private func transformFilters(_ w: DeviceBuffer<Float>, filters filterCount: Int, channels: Int, transposed: Bool,
                                  into destination: DeviceBuffer<Float>) throws {
        try filterTransform.setArgs(w, filterCount, channels, transposed ? 1 : 0, filterCount, destination)
        try LayerPrograms.launchElementwise(filterTransform, count: filterCount * channels, context: context)
    }

    /// V of `planes` per image of `images` images of `plane` at source + offset, padded by `padding`,
    /// over the tiles of `tilePlane`, `ldv` columns a row.
    private func transformInput(_ source: DeviceBuffer<Float>, offset: Int, images: Int, plane: Shape, padding: Int,
                                tilePlane: Shape, ldv: Int) throws {
        try launchInputTransform(source, offset: offset, images: images, plane: plane, padding: padding, tilePlane: tilePlane,
                                 ldv: ldv, into: transformedInput)
    }

    /// Work-items of the transforms per work-group, along tiles (or filters): PoCL vectorises a
    /// work-group across its work-items, so their loads and stores of consecutive columns become vectors.
    private static let transformGroup = 32

    private static func roundUp(_ count: Int, _ multiple: Int) -> Int { (count + multiple - 1) / multiple * multiple }

    /// The zero-padded planes the input transform reads: `padding` on the top and left, zeros to
    /// the bottom-right edge of the last tile of `tilePlane` (whose tiles reach 2 past its outputs).
    private func paddedShape(tilePlane: Shape) -> (height: Int, width: Int) {
        let (tilesX, tilesY) = tiles(tilePlane)
        return (tilesY * tile + 2, tilesX * tile + 2)
    }
    private var paddedFloatsPerImage: Int {
        let forward = paddedShape(tilePlane: output), gradient = paddedShape(tilePlane: input)
        return max(input.channels * forward.height * forward.width, config.filters * gradient.height * gradient.width)
    }

    private func launchInputTransform(_ source: DeviceBuffer<Float>, offset: Int, images: Int, plane: Shape, padding: Int,
                                      tilePlane: Shape, ldv: Int, into destination: DeviceBuffer<Float>) throws {
        let (tilesX, tilesY) = tiles(tilePlane)
        let padded = paddedShape(tilePlane: tilePlane)
        let planes = images * plane.channels
        try padPlanes.setArgs(source, offset, planes, plane.height, plane.width, padding, padded.height, padded.width, paddedPlanes)
        switch style {
        case .cpuBlocks:
            try context.launch(padPlanes, global: [planes], local: [1])
        case .tiledGemm:
            try context.launch(padPlanes, global: [Self.roundUp(padded.height * padded.width, Self.transformGroup), planes],
                               local: [Self.transformGroup, 1])
        }
        try inputTransform.setArgs(paddedPlanes, plane.channels, padded.height, padded.width, tilesX, tilesY, images * tilesX * tilesY,
                                   ldv, destination)
        try context.launch(inputTransform, global: [ldv, plane.channels], local: [Self.transformGroup, 1])
    }

    /// O[xi] (rows x ldo) = sum over r < reduction of A(xi, r, row) * B[xi][r][col] for every
    /// position xi: conv_winograd.cl's winograd_product, or gemm.cl batched over xi, where A is
    /// either row-major (aR = 1, aRow its leading dimension) or transposed (aRow = 1, aR).
    private func multiply(rows: Int, reduction: Int, a: DeviceBuffer<Float>, aXi: Int, aR: Int, aRow: Int,
                          b: DeviceBuffer<Float>, bXi: Int, ldb: Int, into o: DeviceBuffer<Float>, ldo: Int, accumulate: Bool) throws {
        guard let gemm else {
            let rowBlocks = (rows + Self.blockRows - 1) / Self.blockRows
            try product.setArgs(rows, reduction, rowBlocks, a, aXi, aR, aRow, b, bXi, ldb, o, ldo, accumulate ? 1 : 0)
            try context.launch(product, global: [rowBlocks * (ldo / Self.columnsPerBlock), positions], local: [1, 1])
            return
        }
        precondition(aR == 1 || aRow == 1, "A is row-major or transposed")
        let transposed = aRow == 1
        try gemm.multiply(a: a, lda: transposed ? aR : aRow, b: b, ldb: ldb, c: o, ldc: ldo, m: rows, n: ldo, k: reduction,
                          transposeA: transposed, beta: accumulate ? 1 : 0,
                          batch: MatrixMultiply.Batch(count: positions, strideA: aXi, strideB: bXi, strideC: rows * ldo))
    }

    /// out[chunk] = the output transform of `products`' M (`filterCount` rows of `ldm` columns) over the tiles of `plane`.
    private func transformOutput(filters filterCount: Int, ldm: Int, plane: Shape, images: Int, from m: DeviceBuffer<Float>,
                                 into destination: DeviceBuffer<Float>, offset: Int, bias: DeviceBuffer<Float>?) throws {
        let (tilesX, tilesY) = tiles(plane)
        let count = images * tilesX * tilesY
        try outputTransform.setArgs(m, filterCount, ldm, plane.height, plane.width, tilesX, tilesY, count, destination, offset,
                                    bias ?? m, bias == nil ? 0 : 1)
        try context.launch(outputTransform, global: [Self.roundUp(count, Self.transformGroup), filterCount],
                           local: [Self.transformGroup, 1])
    }

    /// Fusing pays while a work-item's panels of B (the reduction by 32 tiles, at every position),
    /// which the work-item of the next row block reads again, stay in a core's L2 cache. On the
    /// 2-core Zen 4 (1 MiB of L2 a core, cifar10-fast at 256 images), fused F(4x4) ran the
    /// 64-channel products (295 KiB of panels) 10-22% faster forward and the 256-channel ones
    /// (1.2 MiB) 40-60% slower.
    static let fusedPanelBytes = 384 << 10

    /// Local memory of the fused kernel's work-item: its block's products at every position.
    private static func fusedBlockBytes(tile: Int) -> Int {
        (tile + 2) * (tile + 2) * blockRows * blockVectors * 16 * MemoryLayout<Float>.size
    }

    /// Whether the products of this reduction depth run fused with the output transform.
    private func fuses(reduction: Int) -> Bool {
        positions * reduction * Self.columnsPerBlock * MemoryLayout<Float>.size <= Self.fusedPanelBytes
    }

    /// out = the output transform of M[xi] (rows x ldb) = A[xi]^T B[xi] (A transposed: aR apart
    /// down the reduction, rows consecutive), over the tiles of `plane`: in one kernel where it
    /// runs (cpu style), else the products into `scratch` and the output transform from there.
    private func multiplyAndTransform(rows: Int, reduction: Int, a: DeviceBuffer<Float>, aXi: Int, aR: Int, b: DeviceBuffer<Float>,
                                      bXi: Int, ldb: Int, scratch: DeviceBuffer<Float>, plane: Shape, images: Int,
                                      into destination: DeviceBuffer<Float>, offset: Int, bias: DeviceBuffer<Float>?) throws {
        guard let productOutput, fuses(reduction: reduction) else {
            try multiply(rows: rows, reduction: reduction, a: a, aXi: aXi, aR: aR, aRow: 1, b: b, bXi: bXi, ldb: ldb, into: scratch,
                         ldo: ldb, accumulate: false)
            try transformOutput(filters: rows, ldm: ldb, plane: plane, images: images, from: scratch, into: destination, offset: offset,
                                bias: bias)
            return
        }
        let (tilesX, tilesY) = tiles(plane)
        let rowBlocks = (rows + Self.blockRows - 1) / Self.blockRows
        try productOutput.setArgs(rows, reduction, rowBlocks, a, aXi, aR, 1, b, bXi, ldb, plane.height, plane.width, tilesX, tilesY,
                                  images * tilesX * tilesY, destination, offset, bias ?? a, bias == nil ? 0 : 1,
                                  LocalMemory(bytes: Self.fusedBlockBytes(tile: tile)))
        try context.launch(productOutput, global: [rowBlocks * (ldb / Self.columnsPerBlock)], local: [1])
    }

    func forward(_ x: DeviceBuffer<Float>, into y: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                 chunk: ConvolutionChunk) throws {
        // Chunks run in order from the first image: transform the filters once per pass.
        if chunk.first == 0 {
            try transformFilters(weight.value, filters: config.filters, channels: input.channels, transposed: false, into: filters)
        }
        let ldv = columns(images: chunk.count, tilesPerImage: outputTiles)
        try transformInput(x, offset: chunk.first * input.count, images: chunk.count, plane: input, padding: config.padding,
                           tilePlane: output, ldv: ldv)
        let channels = input.channels, filterCount = config.filters
        try multiplyAndTransform(rows: filterCount, reduction: channels, a: filters, aXi: channels * filterCount, aR: filterCount,
                                 b: transformedInput, bXi: channels * ldv, ldb: ldv, scratch: products, plane: output,
                                 images: chunk.count, into: y, offset: chunk.first * output.count, bias: bias?.value)
    }

    func beginBackward(outputGradient dy: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                       computesInputGradient: Bool, batch: Int) throws {
        backwardBatch = batch
        if let bias {
            let pixels = output.height * output.width
            switch style {
            case .cpuBlocks:
                try biasGradient.setArgs(dy, config.filters, pixels, batch, bias.gradient)
                try context.launch(biasGradient, global: [config.filters], local: [1])
            case .tiledGemm:
                try LayerPrograms.launchBiasGradient(biasGradient, outputGradient: dy, filters: config.filters, pixels: pixels,
                                                     batch: batch, into: bias.gradient, context: context)
            }
        }
        guard computesInputGradient else { return }
        try transformFilters(weight.value, filters: input.channels, channels: config.filters, transposed: true, into: flippedFilters)
    }

    func backward(input x: DeviceBuffer<Float>, outputGradient dy: DeviceBuffer<Float>, weight: Parameter,
                  inputGradient dx: DeviceBuffer<Float>?, chunk: ConvolutionChunk, scratchHoldsInput: Bool) throws {
        let channels = input.channels, filterCount = config.filters
        let ldv = columns(images: chunk.count, tilesPerImage: outputTiles)
        if !scratchHoldsInput {
            try transformInput(x, offset: chunk.first * input.count, images: chunk.count, plane: input, padding: config.padding,
                               tilePlane: output, ldv: ldv)
        }
        // dU[xi] (channels x filters) (+)= V[xi] (channels x tiles) times D[xi] (tiles x filters).
        let (tilesX, tilesY) = tiles(output)
        try gradientTransform.setArgs(dy, chunk.first * output.count, filterCount, output.height, output.width, tilesX, tilesY,
                                      ldv, filterColumns, products)
        try context.launch(gradientTransform, global: [filterColumns, chunk.count * tilesX * tilesY], local: [Self.transformGroup, 1])
        try multiply(rows: channels, reduction: chunk.count * outputTiles, a: transformedInput, aXi: channels * ldv, aR: 1, aRow: ldv,
                     b: products, bXi: ldv * filterColumns, ldb: filterColumns, into: filterGradients, ldo: filterColumns,
                     accumulate: chunk.first > 0)
        if chunk.first + chunk.count == backwardBatch {
            try filterGradient.setArgs(filterGradients, filterCount, channels, filterColumns, weight.gradient)
            try LayerPrograms.launchElementwise(filterGradient, count: filterCount * channels, context: context)
        }
        guard let dx else { return }
        // dx = the same convolution of dy padded by 2 - padding with the flipped, transposed filters.
        let ldg = columns(images: chunk.count, tilesPerImage: inputTiles)
        try launchInputTransform(dy, offset: chunk.first * output.count, images: chunk.count, plane: output,
                                 padding: gradientPadding, tilePlane: input, ldv: ldg, into: products)
        try multiplyAndTransform(rows: channels, reduction: filterCount, a: flippedFilters, aXi: filterCount * channels, aR: channels,
                                 b: products, bXi: filterCount * ldg, ldb: ldg, scratch: transformedInput, plane: input,
                                 images: chunk.count, into: dx, offset: chunk.first * input.count, bias: nil)
    }
}
