import OpenCLRuntime

/// y = body(x) + shortcut(x), the shortcut the identity when it has no layers (He et al. 2016):
/// the residual block of ResNet and airbench.
///
/// The block owns the activations of the layers inside it (each layer's output, and the
/// gradients between them in buffers shared by liveness, as the network does for its own
/// layers), listed in `scratchRequests` so the memory plan counts them. The body's last output
/// has a buffer of its own rather than the block's output, because that layer's backward reads
/// the values it produced, not the sum.
///
/// Backward: the output gradient dy goes unchanged to the body's and the shortcut's last layers;
/// dx = body'(x)^T dy + shortcut'(x)^T dy (dy itself for the identity).
public final class ResidualBlock: CompositeLayer {
    public let name: String
    public let inputShape: Shape
    public let outputShape: Shape
    public let body: [Layer]
    /// Empty: the identity.
    public let shortcut: [Layer]
    public var sublayers: [Layer] { body + shortcut }
    public var parameters: [Parameter] { sublayers.flatMap(\.parameters) }
    public var state: [StateTensor] { sublayers.flatMap(\.state) }

    private let context: ComputeContext
    private let addKernel: Kernel
    private let accumulateKernel: Kernel
    /// Values per work-item: residual.cl's RES_WIDTH.
    private static let valuesPerItem = 64

    private var reserved = 0
    /// Per layer inside: its output, and the gradient of that output (none for the last layer
    /// of each path, whose gradient is the block's output gradient), the gradients in the
    /// buffers of `gradientSharing`.
    private var bodyOutputs: [DeviceBuffer<Float>] = []
    private var bodyGradients: [DeviceBuffer<Float>] = []
    private var shortcutOutputs: [DeviceBuffer<Float>] = []
    private var shortcutGradients: [DeviceBuffer<Float>] = []
    /// The input gradient through the shortcut, before it is added to the body's.
    private var shortcutInputGradient: DeviceBuffer<Float>?

    public init(context: ComputeContext, name: String, input: Shape, body: [Layer], shortcut: [Layer]) throws {
        guard let last = body.last else {
            throw ShapeError(layer: name, message: "the residual body is empty; list at least one layer under body:")
        }
        try Self.checkChain(body, input: input, block: name, path: "body")
        try Self.checkChain(shortcut, input: input, block: name, path: "shortcut")
        let shortcutOutput = shortcut.last?.outputShape ?? input
        guard last.outputShape == shortcutOutput else {
            let advice = shortcut.isEmpty
                ? "add a projection, e.g. shortcut: [conv: {filters: \(last.outputShape.channels), size: 1, "
                  + "stride: \(Self.stride(from: input, to: last.outputShape)), bias: false}, batchnorm]"
                : "make the shortcut end in \(last.outputShape) (its filters and stride)"
            throw ShapeError(layer: name, message: "the body's output is \(last.outputShape) but the "
                             + (shortcut.isEmpty ? "identity shortcut's" : "shortcut's") + " is \(shortcutOutput); they are added, "
                             + "so they must agree: " + advice)
        }
        self.context = context
        self.name = name
        self.inputShape = input
        self.outputShape = last.outputShape
        self.body = body
        self.shortcut = shortcut
        let program = try LayerPrograms.program("residual.cl", context: context)
        addKernel = try program.kernel("residual_add")
        accumulateKernel = try program.kernel("residual_accumulate")
    }

    /// The stride that takes `input`'s height to `output`'s, (H - 1) / S + 1 = H' (at least 1).
    private static func stride(from input: Shape, to output: Shape) -> Int {
        max(1, (input.height + output.height - 1) / max(1, output.height))
    }

    private static func checkChain(_ layers: [Layer], input: Shape, block: String, path: String) throws {
        var shape = input
        for layer in layers {
            guard layer.inputShape == shape else {
                throw ShapeError(layer: block, message: "\(path) layer '\(layer.name)' takes \(layer.inputShape) but is given \(shape)")
            }
            shape = layer.outputShape
        }
    }

    // MARK: buffers

    private func outputRequests(_ layers: [Layer], batch: Int) -> [BufferRequest] {
        layers.map { BufferRequest(Float.self, count: batch * $0.outputShape.count, label: "\($0.name).output") }
    }

    /// The gradients inside, as two chains that run one after the other: the body's layers'
    /// output gradients but the last's, then the shortcut's input gradient (added to the block's
    /// afterwards) and its layers' output gradients but the last's. The block's own input and
    /// output gradients are the network's.
    private func gradientSharing(batch: Int) -> GradientSharing {
        let body = self.body.dropLast().map { batch * $0.outputShape.count }
        let shortcut = self.shortcut.isEmpty ? [] : [batch * inputShape.count] + self.shortcut.dropLast().map { batch * $0.outputShape.count }
        return GradientSharing(chains: [body, shortcut])
    }

    public func scratchRequests(batch: Int) -> [BufferRequest] {
        outputRequests(body, batch: batch) + outputRequests(shortcut, batch: batch) + gradientSharing(batch: batch).requests(label: name)
            + sublayers.flatMap { $0.scratchRequests(batch: batch) }
    }

    public func reserve(batch: Int) throws {
        guard batch > reserved else { return }
        let allocate = { (requests: [BufferRequest]) in try requests.map { try self.context.buffer(Float.self, for: $0) } }
        // The smaller buffers go first, so a larger batch never holds both sets at once.
        bodyOutputs = []; bodyGradients = []; shortcutOutputs = []; shortcutGradients = []; shortcutInputGradient = nil
        bodyOutputs = try allocate(outputRequests(body, batch: batch))
        shortcutOutputs = try allocate(outputRequests(shortcut, batch: batch))
        let sharing = gradientSharing(batch: batch)
        let shared = try allocate(sharing.requests(label: name))
        bodyGradients = sharing.buffers[0].map { shared[$0] }
        let shortcutChain = sharing.buffers[1].map { shared[$0] }
        shortcutInputGradient = shortcutChain.first
        shortcutGradients = Array(shortcutChain.dropFirst())
        for layer in sublayers { try layer.reserve(batch: batch) }
        reserved = batch
    }

    public func prepare(step: Int, seed: UInt64) {
        for layer in sublayers { layer.prepare(step: step, seed: seed) }
    }

    public func sublayerOutputs() -> [DeviceBuffer<Float>] { bodyOutputs + shortcutOutputs }

    // MARK: passes

    public func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, mode: Mode) throws {
        try LayerPrograms.checkBatch(batch, reserved: reserved, layer: name)
        var current = input
        for (layer, out) in zip(body, bodyOutputs) {
            try layer.forward(current, into: out, batch: batch, mode: mode)
            current = out
        }
        var skip = input
        for (layer, out) in zip(shortcut, shortcutOutputs) {
            try layer.forward(skip, into: out, batch: batch, mode: mode)
            skip = out
        }
        let total = batch * outputShape.count
        try addKernel.setArgs(current, skip, output, total)
        try LayerPrograms.launchElementwise(addKernel, count: items(total), context: context)
    }

    public func backward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                         inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        try LayerPrograms.checkBatch(batch, reserved: reserved, layer: name)
        try Self.backward(body, outputs: bodyOutputs, gradients: bodyGradients, input: input, outputGradient: outputGradient,
                          inputGradient: inputGradient, batch: batch)
        guard let inputGradient else {
            // Nothing flows to the input, but the shortcut's parameters still get their gradients.
            try Self.backward(shortcut, outputs: shortcutOutputs, gradients: shortcutGradients, input: input,
                              outputGradient: outputGradient, inputGradient: nil, batch: batch)
            return
        }
        let total = batch * inputShape.count
        var through = outputGradient
        if let shortcutInputGradient {
            try Self.backward(shortcut, outputs: shortcutOutputs, gradients: shortcutGradients, input: input,
                              outputGradient: outputGradient, inputGradient: shortcutInputGradient, batch: batch)
            through = shortcutInputGradient
        }
        try accumulateKernel.setArgs(inputGradient, through, total)
        try LayerPrograms.launchElementwise(accumulateKernel, count: items(total), context: context)
    }

    /// Back-propagates through one path: `outputGradient` into its last layer, its first layer's
    /// input gradient into `inputGradient` (nil: none wanted).
    private static func backward(_ layers: [Layer], outputs: [DeviceBuffer<Float>], gradients: [DeviceBuffer<Float>],
                                 input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>,
                                 inputGradient: DeviceBuffer<Float>?, batch: Int) throws {
        for index in layers.indices.reversed() {
            try layers[index].backward(input: index == 0 ? input : outputs[index - 1], output: outputs[index],
                                       outputGradient: index == layers.count - 1 ? outputGradient : gradients[index],
                                       inputGradient: index == 0 ? inputGradient : gradients[index - 1], batch: batch)
        }
    }

    private func items(_ total: Int) -> Int { (total + Self.valuesPerItem - 1) / Self.valuesPerItem }

    /// The sums' kernels; the layers inside name their own.
    public var kernelVariant: KernelVariant { KernelVariant(family: "residual") }

    public var forwardFLOPsPerImage: Int { sublayers.reduce(outputShape.count) { $0 + $1.forwardFLOPsPerImage } }

    // MARK: CPU reference

    public func referenceForward(_ input: [Float], batch: Int, parameters: [[Float]], mode: Mode) throws -> ReferencePass {
        try checkReference(input: input, batch: batch, parameters: parameters)
        var values = parameters[...]
        func run(_ layers: [Layer]) throws -> (passes: [ReferencePass], output: [Float]) {
            var passes: [ReferencePass] = []
            var current = input
            for layer in layers {
                let own = Array(values.prefix(layer.parameters.count))
                values = values.dropFirst(layer.parameters.count)
                let pass = try layer.referenceForward(current, batch: batch, parameters: own, mode: mode)
                passes.append(pass)
                current = pass.output
            }
            return (passes, current)
        }
        let bodyRun = try run(body)
        let shortcutRun = try run(shortcut)
        let output = zip(bodyRun.output, shortcutRun.output).map { $0 + $1 }
        return ReferencePass(input: input, output: output, batch: batch, saved: .block(body: bodyRun.passes, shortcut: shortcutRun.passes))
    }

    public func referenceBackward(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws
        -> (input: [Float], parameters: [[Float]]) {
        try checkReference(pass, outputGradient: outputGradient, parameters: parameters)
        guard case let .block(bodyPasses, shortcutPasses) = pass.saved,
              bodyPasses.count == body.count, shortcutPasses.count == shortcut.count else { throw foreignReferencePass() }
        // The paths' parameters follow one another in `parameters`: each path walks its own
        // backwards from its end.
        var pathEnd = 0
        func run(_ layers: [Layer], _ passes: [ReferencePass]) throws -> (input: [Float], parameters: [[Float]]) {
            let counts = layers.map(\.parameters.count)
            pathEnd += counts.reduce(0, +)
            var gradient = outputGradient
            var grads: [[[Float]]] = Array(repeating: [], count: layers.count)
            var position = pathEnd
            for index in layers.indices.reversed() {
                position -= counts[index]
                let own = Array(parameters[position..<(position + counts[index])])
                let result = try layers[index].referenceBackward(passes[index], outputGradient: gradient, parameters: own)
                grads[index] = result.parameters
                gradient = result.input
            }
            return (gradient, grads.flatMap { $0 })
        }
        let bodyResult = try run(body, bodyPasses)
        let shortcutResult = try run(shortcut, shortcutPasses)
        return (zip(bodyResult.input, shortcutResult.input).map { $0 + $1 }, bodyResult.parameters + shortcutResult.parameters)
    }
}
