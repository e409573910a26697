import ConveyorKernels
import OpenCLRuntime

/// The tiled-gemm convolution: row-major im2col columns and the tiled product of gemm.cl, for
/// any device and any shape (groups, stride, dilation).
///
/// Forward, per chunk of B images: col[C*F*F, B*P] = im2col(x) (P = H2*W2); per group g
/// rows_g[K/G, B*P] = W_g[K/G, C/G*F*F] * col_g; y = rows moved to NCHW, plus the bias.
/// Backward: dW_g += dRows_g * col_g^T, col_g = W_g^T * dRows_g, dx = col2im(col), with col
/// recomputed per chunk unless the forward's columns are still in the scratch.
final class TiledGemmConvolution: ConvolutionAlgorithm {
    let kind = ConvAlgorithm.tiledGemm
    let scratch: ConvolutionScratch

    private let context: ComputeContext
    private let layer: String
    private let input: Shape, output: Shape, config: Conv2DConfig
    private let gemm: MatrixMultiply
    var gemmTuning: GemmTuning? { gemm.tuning }
    private let im2colKernel, col2imKernel, rowsToNCHW, nchwToRows, biasGradient: Kernel

    init(context: ComputeContext, layer: String, input: Shape, output: Shape, config: Conv2DConfig,
         gemmTuning: GemmTuning?) throws {
        self.context = context
        self.layer = layer
        self.input = input
        self.output = output
        self.config = config
        scratch = ConvolutionScratch(context: context)
        gemm = try MatrixMultiply(context: context, tuning: gemmTuning)
        let program = try context.program(source: KernelSources.source(named: "conv.cl"), name: "conv.cl")
        im2colKernel = try program.kernel("im2col")
        col2imKernel = try program.kernel("col2im")
        rowsToNCHW = try program.kernel("rows_to_nchw")
        nchwToRows = try program.kernel("nchw_to_rows")
        biasGradient = try program.kernel("bias_gradient")
    }

    private var pixels: Int { output.height * output.width }
    /// Rows of col: C*F*F.
    private var columnRows: Int { input.channels * config.size * config.size }
    private var filtersPerGroup: Int { config.filters / config.groups }
    /// Rows of one group's columns: C/G*F*F.
    private var depth: Int { input.channels / config.groups * config.size * config.size }
    private var columns: DeviceBuffer<Float> { scratch[0] }
    /// The product's output rows in forward, the output gradient as rows in backward.
    private var rows: DeviceBuffer<Float> { scratch[1] }

    var scratchFloatsPerImage: Int { (columnRows + config.filters) * pixels }

    func scratchRequests(chunk: Int) -> [BufferRequest] {
        [BufferRequest(Float.self, count: columnRows * chunk * pixels, label: "\(layer).im2col"),
         BufferRequest(Float.self, count: config.filters * chunk * pixels, label: "\(layer).rows")]
    }

    private func unfold(_ x: DeviceBuffer<Float>, chunk: ConvolutionChunk) throws {
        try im2colKernel.setArgs(x, chunk.first * input.count, input.channels, input.height, input.width, config.size,
                                 config.stride, config.padding, config.dilation,
                                 output.height, output.width, chunk.count, columns)
        try context.launch(im2colKernel, global: [output.width, output.height, chunk.count * columnRows])
    }

    func forward(_ x: DeviceBuffer<Float>, into y: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                 chunk: ConvolutionChunk) throws {
        let k = filtersPerGroup, depth = depth, n = chunk.count * pixels
        try unfold(x, chunk: chunk)
        for g in 0..<config.groups {
            try gemm.multiply(a: weight.value, aOffset: g * k * depth, b: columns, bOffset: g * depth * n,
                              c: rows, cOffset: g * k * n, m: k, n: n, k: depth)
        }
        try rowsToNCHW.setArgs(rows, config.filters, pixels, chunk.count, bias?.value ?? rows, bias == nil ? 0 : 1,
                               y, chunk.first * output.count)
        try context.launch(rowsToNCHW, global: [pixels, config.filters, chunk.count])
    }

    func beginBackward(outputGradient dy: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                       computesInputGradient: Bool, batch: Int) throws {
        guard let bias else { return }
        try LayerPrograms.launchBiasGradient(biasGradient, outputGradient: dy, filters: config.filters, pixels: pixels, batch: batch,
                                             into: bias.gradient, context: context)
    }

    func backward(input x: DeviceBuffer<Float>, outputGradient dy: DeviceBuffer<Float>, weight: Parameter,
                  inputGradient dx: DeviceBuffer<Float>?, chunk: ConvolutionChunk, scratchHoldsInput: Bool) throws {
        let k = filtersPerGroup, depth = depth, n = chunk.count * pixels
        try nchwToRows.setArgs(dy, chunk.first * output.count, config.filters, pixels, chunk.count, rows)
        try context.launch(nchwToRows, global: [pixels, config.filters, chunk.count])
        if !scratchHoldsInput { try unfold(x, chunk: chunk) }
        for g in 0..<config.groups {
            // dW_g[k, depth] += dRows_g[k, n] * col_g[depth, n]^T
            try gemm.multiply(a: rows, aOffset: g * k * n, b: columns, bOffset: g * depth * n,
                              c: weight.gradient, cOffset: g * k * depth, m: k, n: depth, k: n,
                              transposeB: true, beta: 1)
        }
        guard let dx else { return }
        for g in 0..<config.groups {
            // col_g[depth, n] = W_g[k, depth]^T * dRows_g[k, n]
            try gemm.multiply(a: weight.value, aOffset: g * k * depth, b: rows, bOffset: g * k * n,
                              c: columns, cOffset: g * depth * n, m: depth, n: n, k: k, transposeA: true)
        }
        try col2imKernel.setArgs(columns, input.channels, input.height, input.width, config.size, config.stride, config.padding,
                                 config.dilation, output.height, output.width, chunk.count, dx, chunk.first * input.count)
        try context.launch(col2imKernel, global: [input.width, input.height, chunk.count * input.channels])
    }
}
