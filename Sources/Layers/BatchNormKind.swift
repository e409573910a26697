import OpenCLRuntime

/// `batchnorm`: per-channel batch normalisation (`BatchNorm2D`).
public struct BatchNormKind: SimpleLayerKind, Equatable {
    /// Weight of the new batch in the running statistics (PyTorch convention).
    public var momentum: Double = 0.1
    public var epsilon: Double = 1e-5
    /// Learnable scale and shift.
    public var affine: Bool = true
    /// False: the scale stays 1 and only the shift is learned (airbench).
    public var scale: Bool = true

    public init(momentum: Double = 0.1, epsilon: Double = 1e-5, affine: Bool = true, scale: Bool = true) {
        self.momentum = momentum
        self.epsilon = epsilon
        self.affine = affine
        self.scale = scale
    }

    public static let word = "batchnorm"
    public static let keys = ["momentum", "epsilon", "affine", "scale"]
    public static let namePrefix = "bn"
    /// Batch statistics in training, running statistics in evaluation: `check` runs both.
    public static let labelsMode = true

    public static func decode(_ settings: LayerSettingsReader) throws -> BatchNormKind {
        var norm = BatchNormKind()
        if let m = try settings.double("momentum", .inRange(0, 1, lowOpen: true, highOpen: false)) { norm.momentum = m }
        if let e = try settings.double("epsilon", .positive) { norm.epsilon = e }
        norm.affine = try settings.bool("affine", default: true)
        norm.scale = try settings.bool("scale", default: true)
        if !norm.affine && !norm.scale {
            throw settings.error(at: "scale", "batchnorm scale: false needs affine: true (with affine: false there is no scale "
                                 + "to freeze); remove one of the two")
        }
        return norm
    }

    public func outputShape(layer: String, input: Shape) throws -> Shape { input }

    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try BatchNorm2D(context: build.context, name: build.name, input: build.input, momentum: Float(momentum), epsilon: Float(epsilon),
                        affine: affine, learnsScale: scale, style: build.style)
    }

    public var initializationRole: InitializationRole { .transparent }
    public var summary: [String] { [!affine ? "no affine" : scale ? "affine" : "shift only"] }
    public func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] { KernelStyle.checkVariants(family: "batchnorm") }

    /// Training and evaluation, a frozen scale with a tiny epsilon, no affine.
    public static var checkShapes: [LayerCheckShape] {
        func s(_ c: Int, _ h: Int, _ w: Int) -> Shape { Shape(channels: c, height: h, width: w) }
        return [
            LayerCheckShape(BatchNormKind(), input: s(3, 7, 7), batch: 1, quick: true),
            LayerCheckShape(BatchNormKind(), input: s(5, 9, 9), batch: 3, mode: .evaluation),
            LayerCheckShape(BatchNormKind(momentum: 0.4, epsilon: 1e-12, scale: false), input: s(13, 8, 8), batch: 3),
            LayerCheckShape(BatchNormKind(affine: false), input: s(6, 4, 4), batch: 2),
        ]
    }

    /// With its running statistics. Without `affine` the scale is 1 and the shift 0; with
    /// `scale: false` the checkpoint holds the frozen scale of ones.
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        let count = graph.shape.channels
        let runningMean = try graph.tensor(layer, "running_mean", shape: [count])
        let runningVar = try graph.tensor(layer, "running_var", shape: [count])
        let weight = graph.optionalTensor(layer, "weight") ?? [Float](repeating: 1, count: count)
        let bias = graph.optionalTensor(layer, "bias") ?? [Float](repeating: 0, count: count)
        graph.current = graph.node("BatchNormalization", name: layer, inputs: [
            graph.current,
            graph.constant("\(layer).weight", shape: [count], values: weight),
            graph.constant("\(layer).bias", shape: [count], values: bias),
            graph.constant("\(layer).running_mean", shape: [count], values: runningMean),
            graph.constant("\(layer).running_var", shape: [count], values: runningVar),
        ], attributes: [.float("epsilon", Float(epsilon))])
    }
}

/// `dropout`: zeroes each value with probability `p` in training (`Dropout`).
public struct DropoutKind: SimpleLayerKind, Equatable {
    /// Probability of zeroing an activation, in [0, 1).
    public var p: Double = 0.5

    public init(p: Double = 0.5) { self.p = p }

    public static let word = "dropout"
    public static let keys = ["p"]
    public static let namePrefix = "dropout"

    public static func decode(_ settings: LayerSettingsReader) throws -> DropoutKind {
        DropoutKind(p: try settings.double("p", .inRange(0, 1, lowOpen: false, highOpen: true)) ?? 0.5)
    }

    public func outputShape(layer: String, input: Shape) throws -> Shape { input }
    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try Dropout(context: build.context, name: build.name, input: build.input, probability: Float(p))
    }
    public var initializationRole: InitializationRole { .transparent }
    public var summary: [String] { ["p \(Float(p))"] }
    public func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] { [LayerVariantChoice(KernelVariant(family: "dropout"))] }
    public static var checkShapes: [LayerCheckShape] {
        [LayerCheckShape(DropoutKind(p: 0.4), input: Shape(channels: 3, height: 7, width: 5), batch: 2, quick: true)]
    }
    /// The identity at inference: no node.
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {}
}
