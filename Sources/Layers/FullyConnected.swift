import ConveyorKernels
import OpenCLRuntime

/// Settings of a fully connected (linear) layer.
public struct FullyConnectedConfig: Hashable, Sendable {
    public var outputs: Int
    public var bias: Bool
    /// A fixed factor on the outputs, y = scale * (W x + b) (airbench scales its logits by 1/9,
    /// which keeps the softmax from saturating early); 1 for none.
    public var scale: Float

    public init(outputs: Int, bias: Bool = true, scale: Float = 1) {
        self.outputs = outputs
        self.bias = bias
        self.scale = scale
    }
}

/// y[b, :] = scale * (W x[b, :] + bias) with the input flattened; weight [out, in] as in
/// PyTorch's Linear. The gradient the layer is given stays as it was (a residual block hands
/// the same gradient to its body and its shortcut): with a scale other than 1, gemm.cl's
/// backward products read a scaled copy of it (scratch), fc_cpu.cl scales as it stores.
///
/// Forward: Y[B, out] = X[B, in] * W^T (+ bias per column, in the GEMM's epilogue).
/// Backward: dW += dY^T * X, db += column sums of dY, dX = dY * W.
///
/// Two kernel sets, by `KernelStyle`: per-element runs the products through gemm.cl (GPUs);
/// per-plane runs fc_cpu.cl ("cpu-rows": one work-item per block of rows, bias, scale and the
/// bias gradient in the same passes, no scratch), which PoCL runs several times faster on
/// skinny products such as cifar10-quick's (docs/performance.md).
public final class FullyConnected: Layer {
    public let name: String
    public let inputShape: Shape
    public let outputShape: Shape
    public let config: FullyConnectedConfig
    public let weight: Parameter
    public let bias: Parameter?
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }
    /// Per-plane: fc_cpu.cl's kernels; per-element: gemm.cl.
    public let style: KernelStyle
    /// The GEMM tiling of the products in the per-element style (`conveyor check` lists it).
    public var gemmTuning: GemmTuning? { style == .perElement ? gemm.tuning : nil }

    private let context: ComputeContext
    private let gemm: MatrixMultiply
    private let biasGradient: Kernel
    private let scaleKernel: Kernel?
    private let rowKernels: (forward: Kernel, inputGradient: Kernel, weightGradient: Kernel)?
    /// scale * dY, with a scale other than 1 (allocated by `reserve`).
    private var scaledGradient: DeviceBuffer<Float>?

    public init(context: ComputeContext, name: String, input: Shape, config: FullyConnectedConfig,
                gemmTuning: GemmTuning? = nil, style: KernelStyle? = nil) throws {
        guard config.outputs >= 1 else { throw ShapeError(layer: name, message: "outputs is \(config.outputs); it must be at least 1") }
        guard input.count >= 1 else { throw ShapeError(layer: name, message: "the input \(input) is empty") }
        guard config.scale.isFinite, config.scale > 0 else {
            throw ShapeError(layer: name, message: "scale is \(config.scale); it must be a positive number such as 0.111 (1/9)")
        }
        self.name = name
        self.inputShape = input
        self.outputShape = Shape(channels: config.outputs, height: 1, width: 1)
        self.config = config
        self.context = context
        weight = try Parameter(context: context, layer: name, name: "weight", shape: [config.outputs, input.count], kind: .weight,
                               fanIn: input.count, fanOut: config.outputs)
        bias = config.bias ? try Parameter(context: context, layer: name, name: "bias", shape: [config.outputs], kind: .bias,
                                           fanIn: input.count, fanOut: config.outputs) : nil
        self.style = style ?? KernelStyle.preferred(for: context.device)
        gemm = try MatrixMultiply(context: context, tuning: gemmTuning)
        biasGradient = try LayerPrograms.program("conv.cl", context: context).kernel("bias_gradient")
        scaleKernel = config.scale == 1 ? nil : try LayerPrograms.program("basic.cl", context: context).kernel("scale_f32")
        if self.style == .perPlane {
            let program = try LayerPrograms.program("fc_cpu.cl", context: context)
            rowKernels = (try program.kernel("fc_forward"), try program.kernel("fc_input_gradient"), try program.kernel("fc_weight_gradient"))
        } else {
            rowKernels = nil
        }
    }

    /// fc_cpu.cl's blocking (its FC_ROWS, FC_OUTS and FC_COLS defaults).
    private static let rowBlock = 4, outputBlock = 4, columnBlock = 32

    private static func blocks(_ count: Int, _ size: Int) -> Int { (count + size - 1) / size }

    /// output[0..<count] = scale * buffer[0..<count] (in place when they are one buffer).
    private func applyScale(_ buffer: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, count: Int) throws {
        guard let scaleKernel else { return }
        try scaleKernel.setArgs(count, config.scale, buffer, output)
        try LayerPrograms.launchElementwise(scaleKernel, count: count, context: context)
    }

    public func scratchRequests(batch: Int) -> [BufferRequest] {
        config.scale == 1 || style == .perPlane ? [] : [BufferRequest(Float.self, count: batch * config.outputs, label: "\(name).scaled_grad")]
    }

    public func reserve(batch: Int) throws {
        guard let request = scratchRequests(batch: batch).first else { return }
        if let scaledGradient, scaledGradient.count >= request.count { return }
        scaledGradient = try context.buffer(Float.self, for: request)
    }

    public var kernelVariant: KernelVariant { FullyConnectedKind.variant(style: style, tuning: gemm.tuning) }

    public var forwardFLOPsPerImage: Int { 2 * inputShape.count * config.outputs + (config.bias ? config.outputs : 0) }

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        if let rowKernels {
            try rowKernels.forward.setArgs(input, weight.value, bias?.value ?? weight.value, bias == nil ? 0 : 1, config.scale, output,
                                           batch, inputShape.count, config.outputs)
            let items = Self.blocks(batch, Self.rowBlock) * Self.blocks(config.outputs, Self.outputBlock)
            try context.launch(rowKernels.forward, global: [items], local: [1])
            return
        }
        try gemm.multiply(a: input, b: weight.value, c: output, m: batch, n: config.outputs, k: inputShape.count,
                          transposeB: true, bias: bias?.value, biasAxis: bias == nil ? .none : .column)
        try applyScale(output, into: output, count: batch * config.outputs)
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        if let rowKernels {
            // The kernels multiply by the scale as they store, so dY is only read.
            let inputs = inputShape.count, outputs = config.outputs
            try rowKernels.weightGradient.setArgs(outputGradient, input, config.scale, weight.gradient, bias?.gradient ?? weight.gradient,
                                                  bias == nil ? 0 : 1, batch, inputs, outputs)
            try context.launch(rowKernels.weightGradient, global: [Self.blocks(outputs, Self.rowBlock) * Self.blocks(inputs, Self.columnBlock)],
                               local: [1])
            if let inputGradient {
                try rowKernels.inputGradient.setArgs(outputGradient, weight.value, config.scale, inputGradient, batch, inputs, outputs)
                try context.launch(rowKernels.inputGradient, global: [Self.blocks(batch, Self.rowBlock) * Self.blocks(inputs, Self.columnBlock)],
                                   local: [1])
            }
            return
        }
        // d(W x + b) = scale * dY.
        var outputGradient = outputGradient
        if config.scale != 1 {
            guard let scaledGradient, scaledGradient.count >= batch * config.outputs else {
                throw ShapeError(layer: name, message: "batch \(batch) has no scratch reserved; call reserve(batch:) first")
            }
            try applyScale(outputGradient, into: scaledGradient, count: batch * config.outputs)
            outputGradient = scaledGradient
        }
        // dW[out, in] += dY[B, out]^T * X[B, in]
        try gemm.multiply(a: outputGradient, b: input, c: weight.gradient, m: config.outputs, n: inputShape.count, k: batch,
                          transposeA: true, beta: 1)
        if let bias {
            // dY is [B, out, 1x1]: the conv bias reduction with one pixel per output.
            try LayerPrograms.launchBiasGradient(biasGradient, outputGradient: outputGradient, filters: config.outputs, pixels: 1,
                                                 batch: batch, into: bias.gradient, context: context)
        }
        if let inputGradient {
            // dX[B, in] = dY[B, out] * W[out, in]
            try gemm.multiply(a: outputGradient, b: weight.value, c: inputGradient, m: batch, n: inputShape.count, k: config.outputs)
        }
    }

    private var reference: FullyConnectedReference { FullyConnectedReference(inputs: inputShape.count, outputs: config.outputs) }

    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        let pass = try referenceForward(through: reference, input, batch: batch, parameters: parameters)
        guard config.scale != 1 else { return pass }
        return ReferencePass(input: pass.input, output: pass.output.map { $0 * config.scale }, batch: pass.batch, saved: pass.saved)
    }

    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        let scaled = config.scale == 1 ? outputGradient : outputGradient.map { $0 * config.scale }
        return try referenceBackward(through: reference, pass, outputGradient: scaled, parameters: parameters)
    }
}
