import OpenCLRuntime

/// The cpu-panels convolution (Kernels/conv_cpu.cl): panel-packed im2col and a barrier-free
/// product that reads and writes NCHW directly, for CPU devices (PoCL): about 3x the tiled
/// product there. See conv_cpu.cl for the panel layout and addressing modes.
///
/// Columns are unfolded in panels of `columnWidth` (32 where the output plane allows, else 16)
/// and the output gradient is transposed into panels of `filterWidth` channels (32 for more
/// than 16 filters) for the weight gradient. Scratch per chunk: the column panels and the
/// output-gradient panels.
final class PanelConvolution: ConvolutionAlgorithm {
    let kind = ConvAlgorithm.cpuPanels
    let scratch: ConvolutionScratch
    let columnWidth: Int
    let filterWidth: Int
    /// Rows per work-item of the products: 8 rows x 32 columns is 16 float16 accumulators,
    /// half of AVX-512's registers (PoCL, conv2 of cifar10-quick: 8 rows 128 GFLOP/s, 4 rows 71).
    static let registerRows = 8

    private let context: ComputeContext
    private let layer: String
    private let input: Shape, output: Shape, config: Conv2DConfig
    private let im2col, col2im, biasGradient, forwardProduct, inputGradientProduct, weightGradientProduct, transposeGradient: Kernel

    /// Why this algorithm cannot run a layer, or nil when it can: a vector of columns must
    /// never straddle two images.
    static func refusal(input: Shape, config: Conv2DConfig, output: Shape) -> String? {
        if config.groups != 1 { return "groups is \(config.groups); the cpu-panels convolution needs groups = 1" }
        let pixels = output.height * output.width
        if pixels % 16 != 0 {
            return "the output plane has \(pixels) pixels; the cpu-panels convolution needs a multiple of 16"
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
        let pixels = output.height * output.width
        let columnWidth = pixels % 32 == 0 ? 32 : 16
        self.columnWidth = columnWidth
        filterWidth = config.filters > 16 ? 32 : 16
        func program(a: Int, b: Int, c: Int, width: Int) throws -> Program {
            try LayerPrograms.program("conv_cpu.cl", context: context, defines: [
                "VW": "\(width)", "APW": "\(columnWidth)", "RM": "\(Self.registerRows)",
                "A_MODE": "\(a)", "B_MODE": "\(b)", "C_MODE": "\(c)"])
        }
        // Modes as in conv_cpu.cl: 0 rows, 1 transposed, 2 panels, 3 NCHW.
        let forward = try program(a: 0, b: 2, c: 3, width: columnWidth)
        let inputGradient = try program(a: 1, b: 3, c: 2, width: columnWidth)
        let weightGradient = try program(a: 2, b: 2, c: 1, width: filterWidth)
        im2col = try forward.kernel("im2col_panels")
        col2im = try forward.kernel("col2im_panels")
        biasGradient = try forward.kernel("bias_gradient_rows")
        forwardProduct = try forward.kernel("gemm_cpu")
        inputGradientProduct = try inputGradient.kernel("gemm_cpu")
        weightGradientProduct = try weightGradient.kernel("gemm_cpu")
        transposeGradient = try weightGradient.kernel("nchw_to_channel_panels")
    }

    private var columnRows: Int { input.channels * config.size * config.size }
    private var pixels: Int { output.height * output.width }

    /// Filters padded to whole panels of `filterWidth`.
    private var paddedFilters: Int { (config.filters + filterWidth - 1) / filterWidth * filterWidth }
    private var columns: DeviceBuffer<Float> { scratch[0] }
    /// The output gradient transposed into channel panels (filters padded with zeros).
    private var gradientPanels: DeviceBuffer<Float> { scratch[1] }

    var scratchFloatsPerImage: Int { (columnRows + paddedFilters) * pixels }

    func scratchRequests(chunk: Int) -> [BufferRequest] {
        [BufferRequest(Float.self, count: columnRows * chunk * pixels, label: "\(layer).im2col"),
         BufferRequest(Float.self, count: paddedFilters * chunk * pixels, label: "\(layer).rows")]
    }

    /// One work-item per work-group: PoCL then spreads the register blocks over the cores
    /// evenly; its own choice put a narrow launch (one column of blocks) on one core.
    private func launchProduct(_ kernel: Kernel, columns: Int, width: Int, rows: Int) throws {
        let rowBlocks = (rows + Self.registerRows - 1) / Self.registerRows
        try context.launch(kernel, global: [(columns + width - 1) / width, rowBlocks], local: [1, 1])
    }

    private func unfold(_ x: DeviceBuffer<Float>, chunk: ConvolutionChunk) throws {
        try im2col.setArgs(x, chunk.first * input.count, input.channels, input.height, input.width, config.size,
                           config.stride, config.padding, config.dilation, output.height, output.width, chunk.count, columns)
        try context.launch(im2col, global: [chunk.count * input.channels], local: [1])
    }

    /// y[chunk] = W * columns + bias, written in NCHW.
    func forward(_ x: DeviceBuffer<Float>, into y: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                 chunk: ConvolutionChunk) throws {
        try unfold(x, chunk: chunk)
        try forwardProduct.setArgs(config.filters, chunk.count * pixels, columnRows, weight.value, 0, columnRows,
                                   columns, 0, pixels, y, chunk.first * output.count, 0, bias?.value ?? weight.value,
                                   bias == nil ? 0 : 1)
        try launchProduct(forwardProduct, columns: chunk.count * pixels, width: columnWidth, rows: config.filters)
    }

    /// bias.gradient += dy summed over images and pixels.
    func beginBackward(outputGradient dy: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                       computesInputGradient: Bool, batch: Int) throws {
        guard let bias else { return }
        try biasGradient.setArgs(dy, config.filters, pixels, batch, bias.gradient)
        try context.launch(biasGradient, global: [config.filters], local: [1])
    }

    /// weight.gradient += dy * columns^T, through dy transposed into channel panels; then
    /// dx[chunk] = col2im(W^T * dy), with the columns as scratch.
    func backward(input x: DeviceBuffer<Float>, outputGradient dy: DeviceBuffer<Float>, weight: Parameter,
                  inputGradient dx: DeviceBuffer<Float>?, chunk: ConvolutionChunk, scratchHoldsInput: Bool) throws {
        if !scratchHoldsInput { try unfold(x, chunk: chunk) }
        let n = chunk.count * pixels
        let panelCount = paddedFilters / filterWidth
        try transposeGradient.setArgs(dy, chunk.first * output.count, config.filters, pixels, chunk.count, gradientPanels)
        try context.launch(transposeGradient, global: [chunk.count, panelCount], local: [1, 1])
        // C_TRANS: the product is dW^T[columnRows][filters], stored into dW[filters][columnRows].
        try weightGradientProduct.setArgs(columnRows, config.filters, n, columns, 0, columnRows, gradientPanels, 0, pixels,
                                          weight.gradient, 0, columnRows, weight.gradient, 0)
        try launchProduct(weightGradientProduct, columns: config.filters, width: filterWidth, rows: columnRows)
        guard let dx else { return }
        try inputGradientProduct.setArgs(columnRows, n, config.filters, weight.value, 0, columnRows, dy, chunk.first * output.count,
                                         pixels, columns, 0, 0, weight.value, 0)
        try launchProduct(inputGradientProduct, columns: n, width: columnWidth, rows: columnRows)
        try col2im.setArgs(columns, input.channels, input.height, input.width, config.size, config.stride, config.padding,
                           config.dilation, output.height, output.width, chunk.count, dx, chunk.first * input.count)
        try context.launch(col2im, global: [chunk.count * input.channels], local: [1])
    }
}
