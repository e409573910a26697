import Layers
import OpenCLRuntime
import PipelineConfig

/// A layer for `conveyor check` to build in each of its variants: its kind and settings, its
/// input shape and the batch, and where it comes from when a shipped pipeline has it.
struct KernelCheckLayerShape {
    enum Kind {
        /// `chunkImages`: force chunks of this many images (the chunked path of Conv2D).
        case conv(Conv2DConfig, chunkImages: Int?)
        case maxpool(Pool2DConfig)
        case avgpool(Pool2DConfig)
        case globalAvgPool
        case batchnorm(momentum: Float, epsilon: Float, affine: Bool, learnsScale: Bool, mode: Mode)
        case dropout(Float)
        case fc(FullyConnectedConfig)
        case activation(ActivationKind)
        case whiten(WhiteningConfig)
        /// A block of conv 3x3 (stride `stride`), ReLU, conv 3x3 with `filters` filters; the
        /// shortcut a 1x1 convolution when `projection`, else the identity.
        case residual(filters: Int, stride: Int, projection: Bool)
    }

    var kind: Kind
    var input: Shape
    var batch: Int
    /// "cifar10-fast conv3" for a pipeline's layer, nil for the check's own shapes.
    var origin: String?

    init(_ kind: Kind, input: Shape, batch: Int, origin: String? = nil) {
        self.kind = kind
        self.input = input
        self.batch = batch
        self.origin = origin
    }

    /// The same layer as a pipeline's `model` entry (the largest of each family is checked).
    init?(spec: LayerSpec, input: Shape, batch: Int, origin: String) {
        let kind: Kind
        switch spec.kind {
        case let .conv(config): kind = .conv(config, chunkImages: nil)
        case let .maxpool(config): kind = .maxpool(config)
        case let .avgpool(config): kind = .avgpool(config)
        case .globalAvgPool: kind = .globalAvgPool
        case let .batchnorm(s):
            kind = .batchnorm(momentum: Float(s.momentum), epsilon: Float(s.epsilon), affine: s.affine, learnsScale: s.scale, mode: .training)
        case let .dropout(s): kind = .dropout(Float(s.p))
        case let .fc(config): kind = .fc(config)
        case .relu: kind = .activation(.relu)
        case .gelu: kind = .activation(.gelu)
        case let .whiten(config, _): kind = .whiten(config)
        case .residual: return nil   // checked through the layers inside it and the check's own blocks
        }
        self.init(kind, input: input, batch: batch, origin: origin)
    }

    /// The family of `KernelVariant` this layer belongs to.
    var family: String {
        switch kind {
        case .conv: return "conv2d"
        case .maxpool: return "maxpool"
        case .avgpool: return "avgpool"
        case .globalAvgPool: return "global-avgpool"
        case .batchnorm: return "batchnorm"
        case .dropout: return "dropout"
        case .fc: return "fc"
        case .activation: return "activation"
        case .whiten: return "whiten"
        case .residual: return "residual"
        }
    }

    /// The mode the check runs the layer in (batch norm and dropout differ between the two).
    var mode: Mode {
        switch kind {
        case let .batchnorm(_, _, _, _, mode): return mode
        default: return .training
        }
    }

    /// Builds the layer in one variant: `algorithm` and `tuning` for convolutions, `tuning` for
    /// fc, `style` for pooling and batch norm; nil picks what the device would.
    func make(context: ComputeContext, algorithm: ConvAlgorithm? = nil, tuning: GemmTuning? = nil, style: KernelStyle? = nil) throws -> Layer {
        let name = "check"
        switch kind {
        case let .conv(config, chunkImages):
            let layer = try Conv2D(context: context, name: name, input: input, config: config, gemmTuning: tuning, algorithm: algorithm)
            if let chunkImages { layer.chunkBudgetBytes = layer.scratchBytes(batch: 1) * chunkImages }
            return layer
        case let .maxpool(config): return try MaxPool2D(context: context, name: name, input: input, config: config, style: style)
        case let .avgpool(config): return try AvgPool2D(context: context, name: name, input: input, config: config, style: style)
        case .globalAvgPool: return try GlobalAvgPool(context: context, name: name, input: input, style: style)
        case let .batchnorm(momentum, epsilon, affine, learnsScale, _):
            return try BatchNorm2D(context: context, name: name, input: input, momentum: momentum, epsilon: epsilon, affine: affine,
                                   learnsScale: learnsScale, style: style)
        case let .dropout(probability): return try Dropout(context: context, name: name, input: input, probability: probability)
        case let .fc(config): return try FullyConnected(context: context, name: name, input: input, config: config, gemmTuning: tuning)
        case let .activation(kind): return try Activation(context: context, name: name, input: input, kind: kind)
        case let .whiten(config): return try Whitening(context: context, name: name, input: input, config: config)
        case let .residual(filters, stride, projection):
            let first = Conv2DConfig(filters: filters, size: 3, stride: stride, padding: 1)
            let conv1 = try Conv2D(context: context, name: "\(name).conv1", input: input, config: first, algorithm: algorithm)
            let relu = try Activation(context: context, name: "\(name).relu1", input: conv1.outputShape, kind: .relu)
            let conv2 = try Conv2D(context: context, name: "\(name).conv2", input: relu.outputShape,
                                   config: Conv2DConfig(filters: filters, size: 3, padding: 1), algorithm: algorithm)
            let shortcut = projection
                ? [try Conv2D(context: context, name: "\(name).shortcut.conv1", input: input,
                              config: Conv2DConfig(filters: filters, size: 1, stride: stride, bias: false), algorithm: algorithm)]
                : []
            return try ResidualBlock(context: context, name: name, input: input, body: [conv1, relu, conv2], shortcut: shortcut)
        }
    }

    /// The output shape, without a device (nil when the settings do not fit the input).
    var output: Shape? {
        switch kind {
        case let .conv(config, _): return try? ConvReference(input: input, config: config).output
        case let .maxpool(config), let .avgpool(config): return try? config.outputShape(layer: "check", input: input)
        case .globalAvgPool: return Shape(channels: input.channels, height: 1, width: 1)
        case .batchnorm, .dropout, .activation: return input
        case let .fc(config): return Shape(channels: config.outputs, height: 1, width: 1)
        case let .whiten(config): return try? config.outputShape(layer: "check", input: input)
        case let .residual(filters, stride, _):
            return try? ConvReference(input: input, config: Conv2DConfig(filters: filters, size: 3, stride: stride, padding: 1)).output
        }
    }

    /// "3x32x32 -> 32x32x32 5x5 p2, batch 1": the input, the output and the settings that matter.
    var label: String {
        let arrow = output.map { "\(input) -> \($0)" } ?? "\(input)"
        var settings: [String] = []
        switch kind {
        case let .conv(config, chunkImages):
            settings.append("\(config.size)x\(config.size)")
            if config.stride != 1 { settings.append("s\(config.stride)") }
            if config.padding != 0 { settings.append("p\(config.padding)") }
            if config.dilation != 1 { settings.append("d\(config.dilation)") }
            if config.groups != 1 { settings.append("g\(config.groups)") }
            if !config.bias { settings.append("no bias") }
            if let chunkImages { settings.append("chunks of \(chunkImages)") }
        case let .maxpool(config), let .avgpool(config):
            settings.append("\(config.size)x\(config.size) s\(config.stride)")
            if config.padding != 0 { settings.append("p\(config.padding)") }
            if config.rounding != .exact { settings.append("\(config.rounding)") }
        case let .batchnorm(_, _, affine, learnsScale, mode):
            settings.append(mode == .training ? "training" : "evaluation")
            settings.append(!affine ? "no affine" : learnsScale ? "affine" : "shift only")
        case let .dropout(probability):
            settings.append("p \(probability)")
        case let .fc(config):
            if !config.bias { settings.append("no bias") }
            if config.scale != 1 { settings.append("scale \(config.scale)") }
        case let .whiten(config):
            settings.append("\(config.size)x\(config.size)" + (config.same ? " same" : ""))
        case let .residual(_, stride, projection):
            settings.append("conv 3x3" + (stride != 1 ? " s\(stride)" : "") + ", relu, conv 3x3 + "
                            + (projection ? "1x1 projection" : "identity"))
        case .globalAvgPool, .activation:
            break
        }
        return ([arrow] + settings).joined(separator: " ") + ", batch \(batch)"
    }
}
