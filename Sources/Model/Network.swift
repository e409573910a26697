import Layers
import OpenCLRuntime

/// An ordered stack of layers and the device buffers between them.
///
/// For a batch capacity B it holds, per layer, its output values [B, outputShape] for the whole
/// step (the backward passes read them), and the gradients of the loss with respect to those
/// outputs in a few buffers shared by liveness (`GradientSharing`): a gradient is alive only
/// between the backward of the layer that writes it and that of the layer that reads it.
/// The input batch lives outside (the trainer's upload slots).
public final class Network {
    public let context: ComputeContext
    public let inputShape: Shape
    public let layers: [Layer]
    /// For each layer of `leafLayers`, the initialisation its weights get (He before a rectifier, else Xavier).
    public let initSchemes: [ParameterInitializer.Scheme]
    /// Every layer that owns parameters and state, the layers inside residual blocks included,
    /// in network order (a block's body, then its shortcut): what checkpoints name and store.
    public let leafLayers: [Layer]
    public private(set) var batchCapacity = 0
    private var outputs: [DeviceBuffer<Float>] = []
    /// Per layer, the buffer that holds its output gradient: one of the few of `gradientSharing`.
    private var outputGradients: [DeviceBuffer<Float>] = []

    public init(context: ComputeContext, inputShape: Shape, layers: [Layer], initSchemes: [ParameterInitializer.Scheme]) {
        self.leafLayers = layers.flatMap(\.leafLayers)
        precondition(leafLayers.count == initSchemes.count)
        self.context = context
        self.inputShape = inputShape
        self.layers = layers
        self.initSchemes = initSchemes
    }

    public var outputShape: Shape { layers.last?.outputShape ?? inputShape }

    /// Every parameter with the layer it belongs to, in layer order.
    public var parameters: [(layer: String, parameter: Parameter)] {
        leafLayers.flatMap { layer in layer.parameters.map { (layer.name, $0) } }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.parameter.count } }

    /// Starting values for every parameter, from the seed.
    public func initializeParameters(seed: UInt64) throws {
        for (layer, scheme) in zip(leafLayers, initSchemes) {
            for parameter in layer.parameters {
                try ParameterInitializer.initialize(parameter, layer: layer.name, scheme: scheme, seed: seed)
            }
        }
    }

    /// The buffer of one layer's output values for `batch` images, as the plan counts and
    /// `reserve` allocates it.
    public static func outputRequest(for layer: Layer, batch: Int) -> BufferRequest {
        BufferRequest(Float.self, count: batch * layer.outputShape.count, label: "\(layer.name).output")
    }

    /// Which shared buffer holds each layer's output gradient (`gradientSharing(batch:).buffers[0]`),
    /// for `batch` images: the layers' output gradients form one chain.
    public func gradientSharing(batch: Int) -> GradientSharing {
        GradientSharing(chains: [layers.map { batch * $0.outputShape.count }])
    }

    /// The shared gradient buffers for `batch` images, as the plan counts and `reserve` allocates them.
    public func gradientRequests(batch: Int) -> [BufferRequest] {
        gradientSharing(batch: batch).requests(label: "network")
    }

    /// Allocates buffers for batches of up to `batch` images (once; a larger batch reallocates).
    public func reserve(batch: Int) throws {
        guard batch > batchCapacity else { return }
        outputs = []
        outputGradients = []
        for layer in layers {
            outputs.append(try context.buffer(Float.self, for: Network.outputRequest(for: layer, batch: batch)))
            try layer.reserve(batch: batch)
        }
        let sharing = gradientSharing(batch: batch)
        let shared = try sharing.requests(label: "network").map { try context.buffer(Float.self, for: $0) }
        outputGradients = sharing.buffers[0].map { shared[$0] }
        batchCapacity = batch
    }

    /// Runs every layer; returns the last layer's output (the class scores).
    @discardableResult
    public func forward(_ input: DeviceBuffer<Float>, batch: Int, mode: Mode) throws -> DeviceBuffer<Float> {
        precondition(batch <= batchCapacity, "batch \(batch) exceeds the reserved \(batchCapacity)")
        var current = input
        for (index, layer) in layers.enumerated() {
            try layer.forward(current, into: outputs[index], batch: batch, mode: mode)
            current = outputs[index]
        }
        return current
    }

    /// Where the loss writes the gradient of the scores before `backward`.
    public var scoreGradient: DeviceBuffer<Float> { outputGradients[outputGradients.count - 1] }

    /// The values a layer produced in the last forward pass.
    public func output(ofLayer index: Int) -> DeviceBuffer<Float> { outputs[index] }

    /// Every layer's output of the last forward pass, the layers inside residual blocks included
    /// (each before its block's sum), in network order.
    public func everyOutput() -> [(layer: Layer, values: DeviceBuffer<Float>)] {
        func expand(_ layer: Layer, _ output: DeviceBuffer<Float>) -> [(layer: Layer, values: DeviceBuffer<Float>)] {
            guard let composite = layer as? CompositeLayer else { return [(layer, output)] }
            return zip(composite.sublayers, composite.sublayerOutputs()).flatMap(expand) + [(layer, output)]
        }
        return zip(layers, outputs).flatMap(expand)
    }

    /// The buffer that holds a layer's output gradient during `backward`, from the backward of
    /// the layer after it until its own; shared with other layers' gradients.
    public func outputGradient(ofLayer index: Int) -> DeviceBuffer<Float> { outputGradients[index] }

    /// Back-propagates `scoreGradient` through every layer, adding to parameter gradients.
    /// `layerDone` is called with each layer's index once its backward is enqueued (last layer
    /// first), so that a data-parallel run can start reducing that layer's gradients.
    public func backward(_ input: DeviceBuffer<Float>, batch: Int, layerDone: ((Int) throws -> Void)? = nil) throws {
        for index in layers.indices.reversed() {
            let layerInput = index == 0 ? input : outputs[index - 1]
            try layers[index].backward(input: layerInput, output: outputs[index], outputGradient: outputGradients[index],
                                       inputGradient: index == 0 ? nil : outputGradients[index - 1], batch: batch)
            try layerDone?(index)
        }
    }

    public func zeroGradients() throws {
        for (_, parameter) in parameters { try parameter.gradient.fill(0) }
    }
}
