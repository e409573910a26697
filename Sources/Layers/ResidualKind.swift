import OpenCLRuntime

/// `residual`: body(x) + shortcut(x), the shortcut the identity when it has no layers
/// (`ResidualBlock`). `repeat: N` writes N copies, `activation` follows each copy's sum.
public struct ResidualKind: LayerKind, Equatable {
    public var body: [LayerSpec]
    /// Empty: the identity.
    public var shortcut: [LayerSpec]

    public init(body: [LayerSpec], shortcut: [LayerSpec] = []) {
        self.body = body
        self.shortcut = shortcut
    }

    public static let word = "residual"
    public static let keys = ["body", "shortcut", "repeat", "activation"]
    public static let namePrefix = "res"
    public static var placement: LayerPlacement { .anywhere }
    public static let listKeys: [String] = ["body", "shortcut"]
    public var sublists: [[LayerSpec]] { [body, shortcut] }
    public func replacingSublists(_ lists: [[LayerSpec]]) -> ResidualKind { ResidualKind(body: lists[0], shortcut: lists[1]) }

    public static func decode(_ settings: LayerSettingsReader) throws -> ResidualKind {
        ResidualKind(body: try settings.layers("body", prefix: "", required: true) ?? [],
                     shortcut: try settings.layers("shortcut", prefix: "shortcut.", required: false) ?? [])
    }

    /// `repeat` copies; the `activation` (relu or gelu) after each sum, as ResNet's relu(F(x) + x).
    public static func expansion(_ settings: LayerSettingsReader) throws -> LayerExpansion {
        let repeats = try settings.int("repeat", default: 1, min: 1, max: LayerLimits.blockRepeats)
        var activation: (any LayerKind)?
        if let word = try settings.string("activation") {
            switch word {
            case ReLUKind.word: activation = ReLUKind()
            case GELUKind.word: activation = GELUKind()
            default: throw settings.error(at: "activation", "unknown activation '\(word)' after a residual block (expected relu or gelu)")
            }
        }
        return LayerExpansion(repeats: repeats, followedBy: activation)
    }

    /// The body's output, checked against the shortcut's.
    public func outputShape(layer: String, input: Shape) throws -> Shape {
        func walk(_ specs: [LayerSpec]) throws -> Shape {
            try specs.reduce(input) { shape, spec in try spec.kind.outputShape(layer: spec.name, input: shape) }
        }
        guard !body.isEmpty else { throw ShapeError(layer: layer, message: "the residual body is empty; list at least one layer under body:") }
        let (bodyOutput, shortcutOutput) = (try walk(body), try walk(shortcut))
        guard bodyOutput == shortcutOutput else {
            throw ShapeError(layer: layer, message: "the body's output is \(bodyOutput) but the shortcut's is \(shortcutOutput); they are added, "
                             + "so they must agree")
        }
        return bodyOutput
    }

    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try ResidualBlock(context: build.context, name: build.name, input: build.input, body: try build.layers(body, from: build.input),
                          shortcut: try build.layers(shortcut, from: build.input))
    }

    /// Read along the body.
    public var initializationRole: InitializationRole { .transparent }

    public var summary: [String] {
        [body.map(\.kind.description).joined(separator: ", ") + " + "
            + (shortcut.isEmpty ? "identity" : shortcut.map(\.kind.description).joined(separator: ", "))]
    }

    /// The sums are the family's own kernels; the layers inside run the device's choice.
    public func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] { [LayerVariantChoice(KernelVariant(family: "residual"))] }

    /// conv 3x3, relu, conv 3x3 with the identity; the same with stride 2 and a 1x1 projection.
    public static var checkShapes: [LayerCheckShape] {
        func block(filters: Int, stride: Int, projection: Bool) -> ResidualKind {
            let body = [
                LayerSpec(kind: Conv2DKind(Conv2DConfig(filters: filters, size: 3, stride: stride, padding: 1)), name: "check.conv1", line: 0),
                LayerSpec(kind: ReLUKind(), name: "check.relu1", line: 0),
                LayerSpec(kind: Conv2DKind(Conv2DConfig(filters: filters, size: 3, padding: 1)), name: "check.conv2", line: 0),
            ]
            let shortcut = projection
                ? [LayerSpec(kind: Conv2DKind(Conv2DConfig(filters: filters, size: 1, stride: stride, bias: false)), name: "check.shortcut.conv1",
                             line: 0)]
                : []
            return ResidualKind(body: body, shortcut: shortcut)
        }
        return [LayerCheckShape(block(filters: 5, stride: 1, projection: false), input: Shape(channels: 5, height: 7, width: 6), batch: 2,
                                quick: true),
                LayerCheckShape(block(filters: 8, stride: 2, projection: true), input: Shape(channels: 3, height: 9, width: 9), batch: 3)]
    }

    /// The body, then the shortcut from the same input, then their Add.
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        let (input, inputShape) = (graph.current, graph.shape)
        try graph.emit(body)
        let (bodyOutput, bodyShape) = (graph.current, graph.shape)
        (graph.current, graph.shape) = (input, inputShape)
        try graph.emit(shortcut)
        guard graph.shape == bodyShape else {
            throw graph.failure(layer: layer, message: "its body ends in \(bodyShape) but its shortcut in \(graph.shape); "
                                + "the checkpoint does not match its pipeline")
        }
        graph.current = graph.node("Add", name: layer, inputs: [bodyOutput, graph.current], attributes: [])
    }
}
