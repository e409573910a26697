/// One entry of a pipeline's `model` list: what the layer is, its name in checkpoints, and the
/// line it came from so that later shape errors can print `file:line`.
public struct LayerSpec: Equatable, Sendable, CustomStringConvertible {
    public var kind: any LayerKind
    /// Given with `name:`, or generated per kind: conv1, conv2, pool1, bn1, fc1, relu1, ...; a
    /// layer inside a residual block carries the block's name before its own (res2.conv1,
    /// res2.shortcut.conv1), so every name of a network is unique and flat.
    public var name: String
    /// 1-based line in the pipeline file (0 when the layer came from `--set`).
    public var line: Int
    /// The `init` of a layer with weights; nil: He before a rectifier, Xavier otherwise.
    public var initialization: WeightInitialization?

    public init(kind: any LayerKind, name: String, line: Int, initialization: WeightInitialization? = nil) {
        self.kind = kind
        self.name = name
        self.line = line
        self.initialization = initialization
    }

    public static func == (a: LayerSpec, b: LayerSpec) -> Bool {
        a.name == b.name && a.line == b.line && a.initialization == b.initialization && a.kind.isEqual(to: b.kind)
    }

    public var description: String { "\(name) (\(kind))" }

    /// This layer, or every layer inside it (a residual block's body, then its shortcut), recursively.
    public var leaves: [LayerSpec] {
        let lists = kind.sublists
        return lists.isEmpty ? [self] : lists.flatMap { $0.flatMap(\.leaves) }
    }
}

/// How a layer's weights start, the `init` key of a layer.
public enum WeightInitialization: String, CaseIterable, Sendable {
    /// He (Kaiming) normal, std sqrt(2 / fan_in): the default before ReLU or GELU.
    case he
    /// Xavier (Glorot) uniform: the default elsewhere.
    case xavier
    /// Identity (Dirac) on the first min(filters, channels) filters, PyTorch's default uniform
    /// +-1/sqrt(fan_in) on the rest, as airbench initialises its convolutions: each block starts
    /// close to passing its input through.
    case dirac
}
