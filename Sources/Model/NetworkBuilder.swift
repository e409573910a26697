import ImageFiles
import InputData
import Layers
import OpenCLRuntime
import PipelineConfig

/// Builds the network of a pipeline's `model` list on a device, for the input shape and class
/// count of the data it trains on.
public enum NetworkBuilder {
    /// For the input and classes the pipeline's data section states without opening files
    /// (`DataContract.known`): CIFAR and synthetic data, or a folder's image size with the
    /// class count unchecked.
    public static func build(config: PipelineConfig, context: ComputeContext, tuner: ConvolutionTuner? = nil) throws -> Network {
        try build(config: config, input: inputShape(config.data.imageSize),
                  classes: DataContract.known(from: config.data)?.classNames.count, context: context, tuner: tuner)
    }

    /// The network's input for RGB images of `size`.
    public static func inputShape(_ size: ImageSize) -> Shape { Shape(channels: 3, height: size.height, width: size.width) }

    /// `classes`: the data's class count the last layer must match (nil: not checked).
    /// `tuner` nil: convolutions follow the rules (`ConvAlgorithm.preferred`); else the
    /// tuner's measured choice for each convolution's shape.
    public static func build(config: PipelineConfig, input inputShape: Shape, classes: Int?, context: ComputeContext,
                             tuner: ConvolutionTuner? = nil) throws -> Network {
        let measuredBefore = tuner?.measured ?? 0
        let (layers, shape) = try buildLayers(config.model, input: inputShape, config: config, context: context, tuner: tuner)
        if let classes { try checkClassifier(config: config, output: shape, classes: classes) }
        // Measuring held temporary buffers; the peak from here on is the network's and the run's.
        if let tuner, tuner.measured > measuredBefore { context.memory.resetPeak() }
        return Network(context: context, inputShape: inputShape, layers: layers,
                       initSchemes: initializationSchemes(config.model, followedBy: []))
    }

    /// The layers of the model from `input` on, and the shape they end in; each built by its
    /// kind (`LayerKind.makeLayer`), a shape error pointing at its line of the pipeline file.
    static func buildLayers(_ specs: [LayerSpec], input: Shape, config: PipelineConfig, context: ComputeContext,
                            tuner: ConvolutionTuner?) throws -> ([Layer], Shape) {
        let build = LayerBuild(input: input, context: context, tuner: tuner) { error, spec, input in
            NetworkShapeError(file: config.sourcePath, line: spec.line, underlying: error, input: input)
        }
        let layers = try build.layers(specs, from: input)
        return (layers, layers.last?.outputShape ?? input)
    }

    /// The initialisation of every layer that owns parameters, in the order of
    /// `Layer.leafLayers` (a block's body, then its shortcut): the one given with `init`, else He
    /// for a layer whose output reaches a rectifier before the next parameterised layer (through
    /// pooling, batch norm or the sum of a block), Xavier otherwise. `followedBy` is what comes
    /// after the list (after a block: the layers after the block).
    static func initializationSchemes(_ specs: [LayerSpec], followedBy after: [LayerSpec]) -> [ParameterInitializer.Scheme] {
        var schemes: [ParameterInitializer.Scheme] = []
        for (index, spec) in specs.enumerated() {
            let rest = Array(specs.dropFirst(index + 1)) + after
            let lists = spec.kind.sublists
            if !lists.isEmpty {
                for list in lists { schemes += initializationSchemes(list, followedBy: rest) }
                continue
            }
            schemes.append(spec.initialization ?? scheme(lookingAhead: rest))
        }
        return schemes
    }

    /// He when a rectifier comes before the next layer with weights in `later`, Xavier
    /// otherwise; a block in `later` is read along its first list (its body).
    static func scheme(lookingAhead later: [LayerSpec]) -> ParameterInitializer.Scheme {
        for spec in later {
            if let body = spec.kind.sublists.first { return scheme(lookingAhead: body) }
            switch spec.kind.initializationRole {
            case .rectifier: return .he
            case .weights: return .xavier
            case .transparent: continue
            }
        }
        return .xavier
    }

    /// Refuses a network whose output is not one score per class of the data, naming its last layer.
    static func checkClassifier(config: PipelineConfig, output: Shape, classes: Int) throws {
        guard output.count != classes, let last = config.model.last else { return }
        let advice: String
        if let fc = last.kind as? FullyConnectedKind {
            advice = "set outputs: \(classes) on \(last.name) (it has \(fc.config.outputs))"
        } else if let conv = last.kind as? Conv2DKind, output.height == 1, output.width == 1 {
            advice = "set filters: \(classes) on \(last.name) (it has \(conv.config.filters))"
        } else {
            advice = "end the model with a classifier such as '- fc: {outputs: \(classes)}'"
        }
        throw ClassifierShapeError(file: config.sourcePath, line: last.line, layer: last.name, output: output,
                                   classes: classes, advice: advice)
    }
}
