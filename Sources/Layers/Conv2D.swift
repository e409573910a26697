import ConveyorKernels
import OpenCLRuntime

/// A 2-D convolution as im2col + GEMM over chunks of images.
///
/// Forward, per chunk of B images: col[C*F*F, B*P] = im2col(x) (P = H2*W2); per group g
/// rows_g[K/G, B*P] = W_g[K/G, C/G*F*F] * col_g; y = rows moved to NCHW, plus the bias.
/// Backward: dW_g += dRows_g * col_g^T, col_g = W_g^T * dRows_g, dx = col2im(col), with col
/// recomputed per chunk unless the forward's columns of the whole batch are still there.
///
/// On CPU devices the products run through `ImplicitConvolution` (`ConvAlgorithm.cpuImplicit`,
/// no columns at all) or `PanelConvolution` (`cpuPanels`), which read and write NCHW directly.
public final class Conv2D: Layer {
    public let name: String
    public let inputShape: Shape
    public let outputShape: Shape
    public let config: Conv2DConfig
    public let weight: Parameter
    public let bias: Parameter?
    public let algorithm: ConvAlgorithm
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// Bound on the scratch of one chunk: large enough for wide GEMMs (a batch of 100 CIFAR
    /// images in the largest cifar10-quick layer is ~15 MiB), small enough to leave the memory
    /// to activations when the batch or the images grow.
    public static let defaultChunkBudgetBytes = 64 << 20

    /// CPUs: a quarter of the last-level cache, so a chunk's columns are still in cache when
    /// the product reads them (PoCL, 32 MiB L3, cifar10-quick: 8 MiB chunks train 10% faster
    /// than the whole batch of 100 at once; 4 MiB and 16 MiB are no better than 8).
    static func cpuChunkBudget(for device: Device) -> Int {
        max(Int(device.globalMemoryCache) / 4, 1 << 20)
    }

    /// The chunk budget of this layer; change it before `reserve(batch:)` (tests use small ones).
    public var chunkBudgetBytes = Conv2D.defaultChunkBudgetBytes

    private let context: ComputeContext
    private let gemm: MatrixMultiply
    private let im2colKernel, col2imKernel, rowsToNCHW, nchwToRows, biasGradient: Kernel
    private let panels: PanelConvolution?
    private let implicit: ImplicitConvolution?
    private var reservedBatch = 0
    private var columns: DeviceBuffer<Float>?
    /// The input and batch whose unfolded columns (or padded copy, cpu-implicit) the scratch
    /// still holds: set by a training forward that ran the batch as one chunk, so the backward
    /// that follows it (the Layer contract) skips redoing them. Cleared when anything else
    /// writes the scratch.
    private var unfoldedInput: (input: ObjectIdentifier, batch: Int)?
    private var rows: DeviceBuffer<Float>?

    private var channelsPerGroup: Int { inputShape.channels / config.groups }
    private var filtersPerGroup: Int { config.filters / config.groups }
    private var pixels: Int { outputShape.height * outputShape.width }
    /// Rows of col: C*F*F.
    private var columnRows: Int { inputShape.channels * config.size * config.size }
    /// Filters the second scratch buffer holds per pixel: the GEMM's output rows (tiled-gemm)
    /// or the output gradient in channel panels, padded to whole panels (cpu-panels).
    private var rowsScratchFilters: Int {
        guard let panels else { return config.filters }
        return (config.filters + panels.filterWidth - 1) / panels.filterWidth * panels.filterWidth
    }

    /// `algorithm` nil picks `ConvAlgorithm.preferred` for the device.
    public init(context: ComputeContext, name: String, input: Shape, config: Conv2DConfig,
                gemmTuning: GemmTuning? = nil, algorithm: ConvAlgorithm? = nil) throws {
        guard config.filters >= 1 else { throw ShapeError(layer: name, message: "filters is \(config.filters); it must be at least 1") }
        guard config.groups >= 1 else { throw ShapeError(layer: name, message: "groups is \(config.groups); it must be at least 1") }
        guard input.channels % config.groups == 0, config.filters % config.groups == 0 else {
            throw ShapeError(layer: name, message: "groups \(config.groups) must divide both the input channels (\(input.channels)) "
                             + "and the filters (\(config.filters)); change groups or the channel counts")
        }
        let height = try OutputSize.compute(layer: name, axis: "height", input: input.height, window: config.size, stride: config.stride,
                                            padding: config.padding, dilation: config.dilation, rounding: config.rounding)
        let width = try OutputSize.compute(layer: name, axis: "width", input: input.width, window: config.size, stride: config.stride,
                                           padding: config.padding, dilation: config.dilation, rounding: config.rounding)
        self.name = name
        self.inputShape = input
        self.outputShape = Shape(channels: config.filters, height: height, width: width)
        self.config = config
        self.context = context
        let window = config.size * config.size
        let perGroup = input.channels / config.groups
        weight = try Parameter(context: context, layer: name, name: "weight", shape: [config.filters, perGroup, config.size, config.size],
                               kind: .weight, fanIn: perGroup * window, fanOut: config.filters * window / config.groups)
        bias = config.bias ? try Parameter(context: context, layer: name, name: "bias", shape: [config.filters], kind: .bias,
                                           fanIn: perGroup * window, fanOut: config.filters * window / config.groups) : nil
        gemm = try MatrixMultiply(context: context, tuning: gemmTuning)
        let program = try context.program(source: KernelSources.source(named: "conv.cl"), name: "conv.cl")
        im2colKernel = try program.kernel("im2col")
        col2imKernel = try program.kernel("col2im")
        rowsToNCHW = try program.kernel("rows_to_nchw")
        nchwToRows = try program.kernel("nchw_to_rows")
        biasGradient = try program.kernel("bias_gradient")
        let algorithm = algorithm ?? ConvAlgorithm.preferred(for: context.device, input: input, config: config, output: outputShape)
        if let refusal = algorithm.refusal(input: input, config: config, output: outputShape) {
            throw ShapeError(layer: name, message: refusal + "; use the tiled-gemm algorithm")
        }
        self.algorithm = algorithm
        if algorithm != .tiledGemm { chunkBudgetBytes = Self.cpuChunkBudget(for: context.device) }
        panels = algorithm == .cpuPanels ? try PanelConvolution(context: context, input: input, output: outputShape, config: config) : nil
        implicit = algorithm == .cpuImplicit
            ? try ImplicitConvolution(context: context, input: input, output: outputShape, config: config) : nil
    }

    public var forwardFLOPsPerImage: Int {
        2 * config.size * config.size * channelsPerGroup * config.filters * pixels + (config.bias ? config.filters * pixels : 0)
    }

    /// Images per chunk: the whole batch when its scratch fits `chunkBudgetBytes`, else fewer (at least 1).
    public func chunkSize(batch: Int) -> Int {
        let perImage = (implicit?.floatsPerImage ?? (columnRows + rowsScratchFilters) * pixels) * MemoryLayout<Float>.stride
        return max(1, min(batch, chunkBudgetBytes / max(perImage, 1)))
    }

    public func scratchBytes(batch: Int) -> Int {
        guard batch > 0 else { return 0 }
        let chunk = chunkSize(batch: batch)
        if let implicit { return implicit.scratchBytes(chunk: chunk) }
        // DeviceBuffer allocates at least one element.
        return (max(columnRows * chunk * pixels, 1) + max(rowsScratchFilters * chunk * pixels, 1)) * MemoryLayout<Float>.stride
    }

    public func reserve(batch: Int) throws {
        guard batch > reservedBatch else { return }
        let chunk = chunkSize(batch: batch)
        if let implicit {
            try implicit.reserve(chunk: chunk)
            reservedBatch = batch
            return
        }
        columns = nil
        rows = nil
        columns = try context.buffer(Float.self, count: columnRows * chunk * pixels, label: "\(name).im2col")
        rows = try context.buffer(Float.self, count: rowsScratchFilters * chunk * pixels, label: "\(name).rows")
        reservedBatch = batch
    }

    /// The column scratch of the tiled-gemm and cpu-panels algorithms.
    private func scratch(batch: Int) throws -> (columns: DeviceBuffer<Float>, rows: DeviceBuffer<Float>, chunk: Int) {
        if batch > reservedBatch { try reserve(batch: batch) }
        return (columns!, rows!, chunkSize(batch: reservedBatch))
    }

    private func unfold(_ input: DeviceBuffer<Float>, first: Int, count: Int, into columns: DeviceBuffer<Float>) throws {
        let s = inputShape
        try im2colKernel.setArgs(input, first * s.count, s.channels, s.height, s.width, config.size,
                                 config.stride, config.padding, config.dilation,
                                 outputShape.height, outputShape.width, count, columns)
        try context.launch(im2colKernel, global: [outputShape.width, outputShape.height, count * columnRows])
    }

    /// The batch's chunks as (first image, image count).
    private func chunks(batch: Int) throws -> [(first: Int, count: Int)] {
        if batch > reservedBatch { try reserve(batch: batch) }
        let chunk = chunkSize(batch: reservedBatch)
        return stride(from: 0, to: batch, by: chunk).map { ($0, min(chunk, batch - $0)) }
    }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        let chunks = try chunks(batch: batch)
        unfoldedInput = mode == .training && chunks.count == 1 ? (ObjectIdentifier(input), batch) : nil
        if let implicit {
            for (first, count) in chunks {
                try implicit.padInput(input, first: first, count: count)
                try implicit.forward(weight: weight.value, bias: bias?.value, output: output, first: first, count: count)
            }
            return
        }
        let (columns, rows, _) = try scratch(batch: batch)
        let k = filtersPerGroup, depth = channelsPerGroup * config.size * config.size
        for (first, count) in chunks {
            if let panels {
                try panels.unfold(input, first: first, count: count, into: columns)
                try panels.forward(weight: weight.value, bias: bias?.value, columns: columns, output: output, first: first, count: count)
                continue
            }
            let n = count * pixels
            try unfold(input, first: first, count: count, into: columns)
            for g in 0..<config.groups {
                try gemm.multiply(a: weight.value, aOffset: g * k * depth, b: columns, bOffset: g * depth * n,
                                  c: rows, cOffset: g * k * n, m: k, n: n, k: depth)
            }
            try rowsToNCHW.setArgs(rows, config.filters, pixels, count, bias?.value ?? rows, bias == nil ? 0 : 1,
                                   output, first * outputShape.count)
            try context.launch(rowsToNCHW, global: [pixels, config.filters, count])
        }
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        let chunks = try chunks(batch: batch)
        let scratchReady = unfoldedInput.map { $0.input == ObjectIdentifier(input) && $0.batch == batch } ?? false
        unfoldedInput = nil   // the input gradient's scratch overwrites it below
        if let implicit {
            if let bias { try implicit.accumulateBiasGradient(outputGradient: outputGradient, biasGradient: bias.gradient, batch: batch) }
            if inputGradient != nil { try implicit.prepareInputGradient(weight: weight.value) }
            for (first, count) in chunks {
                if !scratchReady { try implicit.padInput(input, first: first, count: count) }
                try implicit.accumulateWeightGradient(outputGradient: outputGradient, weightGradient: weight.gradient,
                                                      first: first, count: count)
                if let inputGradient {
                    try implicit.inputGradient(outputGradient: outputGradient, inputGradient: inputGradient, first: first, count: count)
                }
            }
            return
        }
        let (columns, rows, _) = try scratch(batch: batch)
        let k = filtersPerGroup, depth = channelsPerGroup * config.size * config.size
        if let bias, let panels {
            try panels.accumulateBiasGradient(outputGradient: outputGradient, biasGradient: bias.gradient, batch: batch)
        } else if let bias {
            try biasGradient.setArgs(outputGradient, config.filters, pixels, batch, bias.gradient)
            try context.launch(biasGradient, global: [config.filters * 64], local: [64])
        }
        for (first, count) in chunks {
            if let panels {
                if !scratchReady { try panels.unfold(input, first: first, count: count, into: columns) }
                try panels.accumulateWeightGradient(outputGradient: outputGradient, columns: columns, panels: rows,
                                                    weightGradient: weight.gradient, first: first, count: count)
                guard let inputGradient else { continue }
                try panels.inputGradient(weight: weight.value, outputGradient: outputGradient, columns: columns,
                                         inputGradient: inputGradient, first: first, count: count)
                continue
            }
            let n = count * pixels
            try nchwToRows.setArgs(outputGradient, first * outputShape.count, config.filters, pixels, count, rows)
            try context.launch(nchwToRows, global: [pixels, config.filters, count])
            if !scratchReady { try unfold(input, first: first, count: count, into: columns) }
            for g in 0..<config.groups {
                // dW_g[k, depth] += dRows_g[k, n] * col_g[depth, n]^T
                try gemm.multiply(a: rows, aOffset: g * k * n, b: columns, bOffset: g * depth * n,
                                  c: weight.gradient, cOffset: g * k * depth, m: k, n: depth, k: n,
                                  transposeB: true, beta: 1)
            }
            guard let inputGradient else { continue }
            for g in 0..<config.groups {
                // col_g[depth, n] = W_g[k, depth]^T * dRows_g[k, n]
                try gemm.multiply(a: weight.value, aOffset: g * k * depth, b: rows, bOffset: g * k * n,
                                  c: columns, cOffset: g * depth * n, m: depth, n: n, k: k, transposeA: true)
            }
            let s = inputShape
            try col2imKernel.setArgs(columns, s.channels, s.height, s.width, config.size, config.stride, config.padding,
                                     config.dilation, outputShape.height, outputShape.width, count,
                                     inputGradient, first * s.count)
            try context.launch(col2imKernel, global: [s.width, s.height, count * s.channels])
        }
    }
}
