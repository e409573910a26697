import Layers

/// One entry of the `model` list: what the layer is, its name in checkpoints, and the line it
/// came from so that later shape errors can print `file:line`.
public struct LayerSpec: Equatable, Sendable {
    public var kind: LayerKind
    /// Given with `name:`, or generated per kind: conv1, conv2, pool1, bn1, fc1, relu1, ...
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
        }
    }
}
