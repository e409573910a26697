import Layers
import OpenCLRuntime
import PipelineConfig

/// Builds the network of a pipeline's `model` list on a device, for CIFAR-shaped input (3x32x32).
public enum NetworkBuilder {
    public static let inputShape = Shape(channels: 3, height: 32, width: 32)

    public static func build(config: PipelineConfig, context: ComputeContext) throws -> Network {
        var layers: [Layer] = []
        var shape = inputShape
        for spec in config.model {
            do {
                let layer = try makeLayer(spec, input: shape, context: context)
                layers.append(layer)
                shape = layer.outputShape
            } catch let error as ShapeError {
                throw NetworkShapeError(file: config.sourcePath, line: spec.line, underlying: error, input: shape)
            }
        }
        // He initialisation for a layer whose output reaches a rectifier before the next
        // parameterised layer (through pooling or batch norm); Xavier otherwise.
        var schemes: [ParameterInitializer.Scheme] = []
        for (index, spec) in config.model.enumerated() {
            if let chosen = spec.initialization {
                schemes.append(chosen)
                continue
            }
            var scheme = ParameterInitializer.Scheme.xavier
            for later in config.model.dropFirst(index + 1) {
                if case .relu = later.kind { scheme = .he; break }
                if case .gelu = later.kind { scheme = .he; break }
                if case .conv = later.kind { break }
                if case .fc = later.kind { break }
            }
            schemes.append(scheme)
        }
        return Network(context: context, inputShape: inputShape, layers: layers, initSchemes: schemes)
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
        }
    }
}
