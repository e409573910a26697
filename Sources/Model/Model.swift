import Checkpoints
import ImageFiles
import InputData
import Layers
import OpenCLRuntime
import PipelineConfig

/// A trained or trainable network: its layers, its loss, and the input normalisation it was
/// trained with. Everything `evaluate`, `activations`, `filters` and export need, and all of it
/// can be rebuilt from a checkpoint alone, without the training data.
public final class Model {
    public let context: ComputeContext
    public let network: Network
    public let loss: Loss
    /// Per-channel mean and standard deviation (0...1 pixel scale) applied to every input image.
    public let normalization: ChannelStatistics
    /// The classes its outputs stand for and the size (and resize rule) of its input images.
    public let contract: DataContract

    /// Builds the network and loss of a pipeline's `model` and `loss` sections for the data of
    /// `contract`. `tuner`: see `NetworkBuilder.build`.
    public init(config: PipelineConfig, context: ComputeContext, normalization: ChannelStatistics, contract: DataContract,
                tuner: ConvolutionTuner? = nil) throws {
        self.context = context
        self.normalization = normalization
        self.contract = contract
        network = try NetworkBuilder.build(config: config, input: NetworkBuilder.inputShape(contract.imageSize),
                                           classes: contract.classNames.count, context: context, tuner: tuner)
        loss = try LossBuilder.build(settings: config.loss, context: context, classes: network.outputShape.count)
    }

    /// The model a checkpoint holds: the stored pipeline's network with the stored weights and
    /// statistics. `fallbackNormalization` is asked only for checkpoints that predate stored
    /// normalisation (it measures the training split as those runs did).
    public static func load(_ checkpoint: Checkpoint, config: PipelineConfig, context: ComputeContext, tuner: ConvolutionTuner? = nil,
                            fallbackNormalization: () throws -> ChannelStatistics) throws -> Model {
        let normalization = try checkpoint.normalization.map { ChannelStatistics(mean: $0.mean, std: $0.std) } ?? fallbackNormalization()
        guard let contract = storedContract(checkpoint) ?? DataContract.known(from: config.data) else {
            throw CheckpointMismatch(differences: ["the checkpoint stores no class names or image size (/data), and its pipeline "
                                                   + "reads an image folder; train it again with this version of Conveyor"])
        }
        let model = try Model(config: config, context: context, normalization: normalization, contract: contract, tuner: tuner)
        let differences = model.differences(from: checkpoint)
        guard differences.isEmpty else { throw CheckpointMismatch(differences: differences) }
        try model.loadTensors(from: checkpoint)
        return model
    }

    /// The contract stored in a checkpoint (nil in older ones).
    public static func storedContract(_ checkpoint: Checkpoint) -> DataContract? {
        checkpoint.data.map {
            DataContract(classNames: $0.classNames, imageSize: ImageSize(height: $0.height, width: $0.width),
                         resize: $0.resize.flatMap(ResizeRule.init(rawValue:)))
        }
    }

    public var inputShape: Shape { network.inputShape }
    public var classes: Int { network.outputShape.count }

    /// Starting values for every parameter, from the seed.
    ///
    /// The generic initialiser also draws values for the frozen whitening filters (they are
    /// `.weight` parameters); a layer whose values `initializeFromData` has already measured
    /// gets those back, so the two calls may come in either order.
    public func initializeParameters(seed: UInt64) throws {
        try network.initializeParameters(seed: seed)
        for layer in dataInitializedLayers { try layer.reapplyDataInitialization() }
    }

    /// The layers whose values are measured from the training images (the whitening layer).
    public var dataInitializedLayers: [DataInitializedLayer] {
        network.leafLayers.compactMap { $0 as? DataInitializedLayer }
    }

    /// Whether the model has values to measure from data at the start of a new run.
    public var needsDataInitialization: Bool { !dataInitializedLayers.isEmpty }

    /// Measures the values of every data-initialised layer (the whitening filters) from `count`
    /// training images, NCHW of `inputShape` and normalised with `normalization` as the network
    /// sees them (airbench: the first 5000, unaugmented). Call once at the start of a new run,
    /// after `initializeParameters`; the values are parameters, so checkpoints store them and a
    /// resumed run (or `Model.load`) reads them back instead of measuring again. Such a layer
    /// must be the first of the network (the pipeline decoder enforces it): it sees the images.
    public func initializeFromData(sample images: [Float], count: Int) throws {
        for (index, layer) in network.layers.enumerated() {
            guard let layer = layer as? DataInitializedLayer else { continue }
            guard index == 0 else {
                throw DataInitializationError(message: "layer '\(layer.name)' measures its values from the input images, so it "
                                              + "must be the first layer of the network; it is layer \(index + 1)")
            }
            try layer.initialize(fromImages: images, count: count)
        }
    }

    /// Per-step state of layers that draw random numbers (dropout masks from (seed, step)).
    public func prepareStep(_ step: Int, seed: UInt64) {
        for layer in network.layers { layer.prepare(step: step, seed: seed) }
    }

    /// Every layer's parameters and state, and the normalisation, for a checkpoint.
    public func checkpointTensors() throws -> (layers: [Checkpoint.LayerTensors], normalization: Checkpoint.InputNormalization) {
        let layers = try network.leafLayers.map { layer -> Checkpoint.LayerTensors in
            var tensors: [String: Checkpoint.Tensor] = [:]
            for parameter in layer.parameters {
                tensors[parameter.name] = Checkpoint.Tensor(shape: parameter.shape, values: try parameter.value.read())
            }
            for state in layer.state {
                tensors[state.name] = Checkpoint.Tensor(shape: state.shape, values: try state.buffer.read())
            }
            return Checkpoint.LayerTensors(name: layer.name, tensors: tensors)
        }
        return (layers, Checkpoint.InputNormalization(mean: normalization.mean, std: normalization.std))
    }

    /// What differs between the checkpoint's layers and this network (empty when it loads).
    public func differences(from checkpoint: Checkpoint) -> [String] {
        var differences: [String] = []
        let networkNames = network.leafLayers.map(\.name)
        let savedNames = checkpoint.layers.map(\.name)
        if networkNames != savedNames {
            differences.append("layers: the pipeline has [\(networkNames.joined(separator: ", "))], "
                               + "the checkpoint [\(savedNames.joined(separator: ", "))]")
        }
        let saved = Dictionary(checkpoint.layers.map { ($0.name, $0.tensors) }, uniquingKeysWith: { a, _ in a })
        for layer in network.leafLayers {
            guard let tensors = saved[layer.name] else { continue }
            let expected = Self.tensors(of: layer)
            for (name, shape, _) in expected {
                guard let tensor = tensors[name] else {
                    differences.append("\(layer.name).\(name): missing in the checkpoint (the pipeline's shape is \(shape))")
                    continue
                }
                if tensor.shape != shape {
                    differences.append("\(layer.name).\(name): the checkpoint has shape \(tensor.shape), the pipeline \(shape)")
                }
            }
            let known = Set(expected.map(\.name))
            for extra in tensors.keys.sorted() where !known.contains(extra) {
                differences.append("\(layer.name).\(extra): in the checkpoint but not in the pipeline's layer")
            }
        }
        return differences
    }

    /// Writes the checkpoint's parameters and state into the device buffers; call only when
    /// `differences(from:)` is empty.
    public func loadTensors(from checkpoint: Checkpoint) throws {
        let saved = Dictionary(checkpoint.layers.map { ($0.name, $0.tensors) }, uniquingKeysWith: { a, _ in a })
        for layer in network.leafLayers {
            for (name, _, buffer) in Self.tensors(of: layer) {
                if let tensor = saved[layer.name]?[name] { try buffer.write(tensor.values) }
            }
        }
    }

    /// A layer's parameters and state as (name, shape, buffer).
    private static func tensors(of layer: Layer) -> [(name: String, shape: [Int], buffer: DeviceBuffer<Float>)] {
        layer.parameters.map { ($0.name, $0.shape, $0.value) } + layer.state.map { ($0.name, $0.shape, $0.buffer) }
    }
}

/// `Model.initializeFromData` refused: a data-initialised layer that does not see the images.
public struct DataInitializationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
