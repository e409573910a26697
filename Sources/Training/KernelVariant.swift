import Layers

/// Which kernels compute one kind of work: a family (the layer kind, the loss, the update) and,
/// where the device or the caller has a choice, the variant (the convolution algorithm and its
/// GEMM tiling, the `KernelStyle`, the activation).
///
/// `conveyor check` checks variants by these names, `bench --layers` and `train --verbose` print
/// the ones a network uses, so the three can be compared by eye.
public struct KernelVariant: Hashable, Codable, Sendable, CustomStringConvertible {
    /// conv2d, maxpool, avgpool, global-avgpool, batchnorm, activation, dropout, fc, whiten,
    /// loss, sgd, lookahead, flip, shift.
    public let family: String
    /// The variant within the family; "" where the family has one kernel set.
    public let name: String

    public init(family: String, name: String = "") {
        self.family = family
        self.name = name
    }

    public var description: String { name.isEmpty ? family : "\(family) \(name)" }

    /// The variant a built layer runs.
    public static func of(_ layer: Layer) -> KernelVariant {
        switch layer {
        case let conv as Conv2D:
            return convolution(conv.algorithm, tuning: conv.gemmTuning)
        case let fc as FullyConnected:
            return KernelVariant(family: "fc", name: "gemm " + describe(fc.gemmTuning))
        case let pool as MaxPool2D:
            return KernelVariant(family: "maxpool", name: pool.style.rawValue)
        case let pool as AvgPool2D:
            return KernelVariant(family: "avgpool", name: pool.style.rawValue)
        case let pool as GlobalAvgPool:
            return KernelVariant(family: "global-avgpool", name: pool.style.rawValue)
        case let norm as BatchNorm2D:
            return KernelVariant(family: "batchnorm", name: norm.style.rawValue)
        case let activation as Activation:
            return KernelVariant(family: "activation", name: activation.kind.rawValue)
        case is Dropout:
            return KernelVariant(family: "dropout")
        case is Whitening:
            return KernelVariant(family: "whiten")
        case is ResidualBlock:
            return KernelVariant(family: "residual")
        default:
            return KernelVariant(family: String(describing: type(of: layer)))
        }
    }

    /// A convolution algorithm, with its GEMM tiling when it has one (tiled-gemm).
    public static func convolution(_ algorithm: ConvAlgorithm, tuning: GemmTuning?) -> KernelVariant {
        KernelVariant(family: "conv2d", name: algorithm.rawValue + (tuning.map { " " + describe($0) } ?? ""))
    }

    /// The loss of a pipeline, by its class.
    public static func of(_ loss: Loss) -> KernelVariant {
        switch loss {
        case is SoftmaxCrossEntropy: return KernelVariant(family: "loss", name: "softmax-cross-entropy")
        case is MulticlassSVM: return KernelVariant(family: "loss", name: "multiclass-svm")
        default: return KernelVariant(family: "loss", name: String(describing: type(of: loss)))
        }
    }

    /// "64x64x16/4x4" (tile M x N x K / work per item M x N), with "v" when each work-item's
    /// columns are one float vector (the CPU rule).
    public static func describe(_ tuning: GemmTuning) -> String {
        "\(tuning.tileM)x\(tuning.tileN)x\(tuning.tileK)/\(tuning.workM)x\(tuning.workN)" + (tuning.vectorColumns ? "v" : "")
    }
}
