import OpenCLRuntime

/// The kernels of the cpu-panels convolution (Kernels/conv_cpu.cl) for one layer shape, and
/// the launches of its five steps. See conv_cpu.cl for the panel layout and addressing modes.
///
/// Columns are unfolded in panels of `columnWidth` (32 where the output plane allows, else 16)
/// and the output gradient is transposed into panels of `filterWidth` channels (32 for more
/// than 16 filters) for the weight gradient.
final class PanelConvolution {
    let columnWidth: Int
    let filterWidth: Int
    /// Rows per work-item of the products: 8 rows x 32 columns is 16 float16 accumulators,
    /// half of AVX-512's registers (PoCL, conv2 of cifar10-quick: 8 rows 128 GFLOP/s, 4 rows 71).
    static let registerRows = 8

    private let context: ComputeContext
    private let input: Shape, output: Shape, config: Conv2DConfig
    private let im2col, col2im, biasGradient, forwardProduct, inputGradientProduct, weightGradientProduct, transposeGradient: Kernel

    init(context: ComputeContext, input: Shape, output: Shape, config: Conv2DConfig) throws {
        self.context = context
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

    /// Floats of the column panels for `chunk` images.
    func columnCount(chunk: Int) -> Int { columnRows * chunk * pixels }
    /// Floats of the transposed output-gradient panels for `chunk` images (filters padded with zeros).
    func gradientPanelCount(chunk: Int) -> Int { (config.filters + filterWidth - 1) / filterWidth * filterWidth * chunk * pixels }

    /// One work-item per work-group: PoCL then spreads the register blocks over the cores
    /// evenly; its own choice put a narrow launch (one column of blocks) on one core.
    private func launchProduct(_ kernel: Kernel, columns: Int, width: Int, rows: Int) throws {
        let rowBlocks = (rows + Self.registerRows - 1) / Self.registerRows
        try context.launch(kernel, global: [(columns + width - 1) / width, rowBlocks], local: [1, 1])
    }

    func unfold(_ x: DeviceBuffer<Float>, first: Int, count: Int, into columns: DeviceBuffer<Float>) throws {
        try im2col.setArgs(x, first * input.count, input.channels, input.height, input.width, config.size,
                           config.stride, config.padding, config.dilation, output.height, output.width, count, columns)
        try context.launch(im2col, global: [count * input.channels], local: [1])
    }

    /// y[first ..< first+count] = W * columns + bias, written in NCHW.
    func forward(weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?, columns: DeviceBuffer<Float>,
                 output y: DeviceBuffer<Float>, first: Int, count: Int) throws {
        try forwardProduct.setArgs(config.filters, count * pixels, columnRows, weight, 0, columnRows,
                                   columns, 0, pixels, y, first * output.count, 0, bias ?? weight, bias == nil ? 0 : 1)
        try launchProduct(forwardProduct, columns: count * pixels, width: columnWidth, rows: config.filters)
    }

    /// biasGradient += dy summed over images and pixels.
    func accumulateBiasGradient(outputGradient dy: DeviceBuffer<Float>, biasGradient db: DeviceBuffer<Float>, batch: Int) throws {
        try biasGradient.setArgs(dy, config.filters, pixels, batch, db)
        try context.launch(biasGradient, global: [config.filters], local: [1])
    }

    /// weightGradient += dy * columns^T, through dy transposed into channel panels (`panels`).
    func accumulateWeightGradient(outputGradient dy: DeviceBuffer<Float>, columns: DeviceBuffer<Float>, panels: DeviceBuffer<Float>,
                                  weightGradient: DeviceBuffer<Float>, first: Int, count: Int) throws {
        let n = count * pixels
        let panelCount = (config.filters + filterWidth - 1) / filterWidth
        try transposeGradient.setArgs(dy, first * output.count, config.filters, pixels, count, panels)
        try context.launch(transposeGradient, global: [count, panelCount], local: [1, 1])
        // C_TRANS: the product is dW^T[columnRows][filters], stored into dW[filters][columnRows].
        try weightGradientProduct.setArgs(columnRows, config.filters, n, columns, 0, columnRows, panels, 0, pixels,
                                          weightGradient, 0, columnRows, weightGradient, 0)
        try launchProduct(weightGradientProduct, columns: config.filters, width: filterWidth, rows: columnRows)
    }

    /// dx[first ..< first+count] = col2im(W^T * dy), with `columns` as scratch.
    func inputGradient(weight: DeviceBuffer<Float>, outputGradient dy: DeviceBuffer<Float>, columns: DeviceBuffer<Float>,
                       inputGradient dx: DeviceBuffer<Float>, first: Int, count: Int) throws {
        let n = count * pixels
        try inputGradientProduct.setArgs(columnRows, n, config.filters, weight, 0, columnRows, dy, first * output.count, pixels,
                                         columns, 0, 0, weight, 0)
        try launchProduct(inputGradientProduct, columns: n, width: columnWidth, rows: columnRows)
        try col2im.setArgs(columns, input.channels, input.height, input.width, config.size, config.stride, config.padding,
                           config.dilation, output.height, output.width, count, dx, first * input.count)
        try context.launch(col2im, global: [count * input.channels], local: [1])
    }
}
