import Layers
import OpenCLRuntime

/// An ordered stack of layers and the device buffers between them.
///
/// For a batch capacity B it holds, per layer, its output values [B, outputShape] and the
/// gradient of the loss with respect to them (the "activations x2" of the memory arithmetic).
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

    /// The activation buffers of one layer for `batch` images: its output values and their
    /// gradient, as the plan counts and `reserve` allocates them.
    public static func activationRequests(for layer: Layer, batch: Int) -> [BufferRequest] {
        [BufferRequest(Float.self, count: batch * layer.outputShape.count, label: "\(layer.name).output"),
         BufferRequest(Float.self, count: batch * layer.outputShape.count, label: "\(layer.name).output.grad")]
    }

    /// Allocates buffers for batches of up to `batch` images (once; a larger batch reallocates).
    public func reserve(batch: Int) throws {
        guard batch > batchCapacity else { return }
        outputs = []
        outputGradients = []
        for layer in layers {
            let requests = Network.activationRequests(for: layer, batch: batch)
            outputs.append(try context.buffer(Float.self, for: requests[0]))
            outputGradients.append(try context.buffer(Float.self, for: requests[1]))
            try layer.reserve(batch: batch)
        }
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

    /// The gradient buffer of a layer's output (filled during `backward`).
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
