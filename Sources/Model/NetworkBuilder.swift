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

    /// The layers of one list (the model, or a residual block's body or shortcut) from `input` on,
    /// and the shape they end in.
    static func buildLayers(_ specs: [LayerSpec], input: Shape, config: PipelineConfig, context: ComputeContext,
                            tuner: ConvolutionTuner?) throws -> ([Layer], Shape) {
        var layers: [Layer] = []
        var shape = input
        for spec in specs {
            let layer: Layer
            do {
                switch spec.kind {
                case let .conv(s) where tuner != nil:
                    layer = try tuner!.convolution(context: context, name: spec.name, input: shape, config: s)
                case let .residual(block):
                    let body = try buildLayers(block.body, input: shape, config: config, context: context, tuner: tuner).0
                    let shortcut = try buildLayers(block.shortcut, input: shape, config: config, context: context, tuner: tuner).0
                    layer = try ResidualBlock(context: context, name: spec.name, input: shape, body: body, shortcut: shortcut)
                default:
                    layer = try makeLayer(spec, input: shape, context: context)
                }
            } catch let error as ShapeError {
                throw NetworkShapeError(file: config.sourcePath, line: spec.line, underlying: error, input: shape)
            }
            layers.append(layer)
            shape = layer.outputShape
        }
        return (layers, shape)
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
            if case let .residual(block) = spec.kind {
                schemes += initializationSchemes(block.body, followedBy: rest)
                schemes += initializationSchemes(block.shortcut, followedBy: rest)
                continue
            }
            schemes.append(spec.initialization ?? scheme(lookingAhead: rest))
        }
        return schemes
    }

    /// He when a rectifier comes before the next conv or fc layer of `later`, Xavier otherwise; a
    /// block in `later` is read along its body.
    static func scheme(lookingAhead later: [LayerSpec]) -> ParameterInitializer.Scheme {
        for spec in later {
            switch spec.kind {
            case .relu, .gelu: return .he
            case .conv, .fc: return .xavier
            case let .residual(block): return scheme(lookingAhead: block.body)
            case .maxpool, .avgpool, .globalAvgPool, .batchnorm, .dropout, .whiten: continue
            }
        }
        return .xavier
    }

    /// Refuses a network whose output is not one score per class of the data, naming its last layer.
    static func checkClassifier(config: PipelineConfig, output: Shape, classes: Int) throws {
        guard output.count != classes, let last = config.model.last else { return }
        let advice: String
        if case let .fc(fc) = last.kind {
            advice = "set outputs: \(classes) on \(last.name) (it has \(fc.outputs))"
        } else if case let .conv(conv) = last.kind, output.height == 1, output.width == 1 {
            advice = "set filters: \(classes) on \(last.name) (it has \(conv.filters))"
        } else {
            advice = "end the model with a classifier such as '- fc: {outputs: \(classes)}'"
        }
        throw ClassifierShapeError(file: config.sourcePath, line: last.line, layer: last.name, output: output,
                                   classes: classes, advice: advice)
    }

    static func makeLayer(_ spec: LayerSpec, input: Shape, context: ComputeContext) throws -> Layer {
        switch spec.kind {
        case let .conv(s):
            return try Conv2D(context: context, name: spec.name, input: input, config: s)
        case let .maxpool(s):
            return try MaxPool2D(context: context, name: spec.name, input: input, config: s)
        case let .avgpool(s):
            return try AvgPool2D(context: context, name: spec.name, input: input, config: s)
        case .globalAvgPool:
            return try GlobalAvgPool(context: context, name: spec.name, input: input)
        case let .batchnorm(s):
            return try BatchNorm2D(context: context, name: spec.name, input: input, momentum: Float(s.momentum),
                                   epsilon: Float(s.epsilon), affine: s.affine, learnsScale: s.scale)
        case let .dropout(s):
            return try Dropout(context: context, name: spec.name, input: input, probability: Float(s.p))
        case let .fc(s):
            return try FullyConnected(context: context, name: spec.name, input: input, config: s)
        case .relu:
            return try Activation(context: context, name: spec.name, input: input, kind: .relu)
        case .gelu:
            return try Activation(context: context, name: spec.name, input: input, kind: .gelu)
        case let .whiten(config, biasEpochs):
            // The weight is frozen and measured from data: `Model.initializeFromData` writes it
            // (after the seed's He/Xavier values, which `Model.initializeParameters` replaces by
            // the measured filters again when they exist), a checkpoint restores it on resume.
            return try Whitening(context: context, name: spec.name, input: input, config: config, biasEpochs: biasEpochs)
        case .residual:
            preconditionFailure("buildLayers builds residual blocks with their layers")
        }
    }
}
