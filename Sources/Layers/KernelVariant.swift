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

    /// The variant a built layer runs (each layer says which: `Layer.kernelVariant`).
    public static func of(_ layer: Layer) -> KernelVariant { layer.kernelVariant }

    /// A convolution algorithm, with its GEMM tiling when it has one (tiled-gemm).
    public static func convolution(_ algorithm: ConvAlgorithm, tuning: GemmTuning?) -> KernelVariant {
        KernelVariant(family: "conv2d", name: algorithm.rawValue + (tuning.map { " " + describe($0) } ?? ""))
    }

    /// The variant a loss runs (`Loss.kernelVariant`).
    public static func of(_ loss: Loss) -> KernelVariant { loss.kernelVariant }

    /// "64x64x16/4x4" (tile M x N x K / work per item M x N), with "v" when each work-item's
    /// columns are one float vector (the CPU rule).
    public static func describe(_ tuning: GemmTuning) -> String {
        "\(tuning.tileM)x\(tuning.tileN)x\(tuning.tileK)/\(tuning.workM)x\(tuning.workN)" + (tuning.vectorColumns ? "v" : "")
    }
}
