import Layers
import OpenCLRuntime
import PipelineConfig

/// A layer whose shapes do not fit, located in the pipeline file.
public struct NetworkShapeError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let underlying: ShapeError
    public let input: Shape
    public var description: String { "\(file):\(line): \(underlying) (its input is \(input))" }
}

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
        for (index, _) in config.model.enumerated() {
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

    static func rounding(_ value: OutputRounding) -> Rounding {
        switch value {
        case .exact: return .exact
        case .floor: return .floor
        case .ceil: return .ceil
        }
    }

    static func makeLayer(_ spec: LayerSpec, input: Shape, context: ComputeContext) throws -> Layer {
        switch spec.kind {
        case let .conv(s):
            return try Conv2D(context: context, name: spec.name, input: input,
                              config: Conv2DConfig(filters: s.filters, size: s.size, stride: s.stride, padding: s.padding,
                                                   dilation: s.dilation, groups: s.groups, bias: s.bias, rounding: rounding(s.rounding)))
        case let .maxpool(s):
            return try MaxPool2D(context: context, name: spec.name, input: input,
                                 config: Pool2DConfig(size: s.size, stride: s.stride, padding: s.padding, rounding: rounding(s.rounding)))
        case let .avgpool(s):
            return try AvgPool2D(context: context, name: spec.name, input: input,
                                 config: Pool2DConfig(size: s.size, stride: s.stride, padding: s.padding, rounding: rounding(s.rounding)))
        case .globalAvgPool:
            return try GlobalAvgPool(context: context, name: spec.name, input: input)
        case let .batchnorm(s):
            return try BatchNorm2D(context: context, name: spec.name, input: input, momentum: Float(s.momentum),
                                   epsilon: Float(s.epsilon), affine: s.affine)
        case let .dropout(s):
            return try Dropout(context: context, name: spec.name, input: input, probability: Float(s.p))
        case let .fc(s):
            return try FullyConnected(context: context, name: spec.name, input: input,
                                      config: FullyConnectedConfig(outputs: s.outputs, bias: s.bias))
        case .relu:
            return try Activation(context: context, name: spec.name, input: input, kind: .relu)
        case .gelu:
            return try Activation(context: context, name: spec.name, input: input, kind: .gelu)
        }
    }
}

/// The loss of a pipeline's `loss` section.
public enum LossBuilder {
    public static func build(config: PipelineConfig, context: ComputeContext, classes: Int) throws -> Loss {
        switch config.loss.type {
        case .softmax:
            return try SoftmaxCrossEntropy(context: context, classes: classes, labelSmoothing: Float(config.loss.labelSmoothing))
        case .svm:
            return try MulticlassSVM(context: context, classes: classes, margin: Float(config.loss.margin))
        }
    }
}
