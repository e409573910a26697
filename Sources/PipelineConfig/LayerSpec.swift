import Layers

/// One entry of the `model` list: what the layer is, its name in checkpoints, and the line it
/// came from so that later shape errors can print `file:line`.
public struct LayerSpec: Equatable, Sendable {
    public var kind: LayerKind
    /// Given with `name:`, or generated per kind: conv1, conv2, pool1, bn1, fc1, relu1, ...; a
    /// layer inside a residual block carries the block's name before its own (res2.conv1,
    /// res2.shortcut.conv1), so every name of a network is unique and flat.
    public var name: String
    /// 1-based line in the pipeline file (0 when the layer came from `--set`).
    public var line: Int
    /// The `init` of a conv or fc layer; nil: He before a rectifier, Xavier otherwise.
    public var initialization: WeightInitialization?

    public init(kind: LayerKind, name: String, line: Int, initialization: WeightInitialization? = nil) {
        self.kind = kind
        self.name = name
        self.line = line
        self.initialization = initialization
    }
}

public enum LayerKind: Equatable, Sendable {
    case conv(Conv2DConfig)
    case maxpool(Pool2DConfig)
    case avgpool(Pool2DConfig)
    case globalAvgPool
    case batchnorm(BatchNormSettings)
    case dropout(DropoutSettings)
    case fc(FullyConnectedConfig)
    case relu
    case gelu
    /// The frozen patch-whitening first layer (airbench); `biasEpochs` nil: the bias trains throughout.
    case whiten(WhiteningConfig, biasEpochs: Int?)
    /// body(x) + shortcut(x); an empty shortcut is the identity.
    case residual(ResidualSpec)

    /// The word used in pipeline files.
    public var word: String {
        switch self {
        case .conv: return "conv"
        case .maxpool: return "maxpool"
        case .avgpool: return "avgpool"
        case .globalAvgPool: return "global_avgpool"
        case .batchnorm: return "batchnorm"
        case .dropout: return "dropout"
        case .fc: return "fc"
        case .relu: return "relu"
        case .gelu: return "gelu"
        case .whiten: return "whiten"
        case .residual: return "residual"
        }
    }

    /// Prefix of generated names; max and average pooling share one count.
    var namePrefix: String {
        switch self {
        case .conv: return "conv"
        case .maxpool, .avgpool: return "pool"
        case .globalAvgPool: return "gap"
        case .batchnorm: return "bn"
        case .dropout: return "dropout"
        case .fc: return "fc"
        case .relu: return "relu"
        case .gelu: return "gelu"
        case .whiten: return "whiten"
        case .residual: return "res"
        }
    }
}

/// The two paths of a residual block, each a list of layers as in `model`.
public struct ResidualSpec: Equatable, Sendable {
    public var body: [LayerSpec]
    /// Empty: the identity.
    public var shortcut: [LayerSpec]

    public init(body: [LayerSpec], shortcut: [LayerSpec] = []) {
        self.body = body
        self.shortcut = shortcut
    }
}

public extension LayerSpec {
    /// This layer, or every layer inside it (a residual block's body, then its shortcut), recursively.
    var leaves: [LayerSpec] {
        guard case let .residual(block) = kind else { return [self] }
        return (block.body + block.shortcut).flatMap(\.leaves)
    }
}
