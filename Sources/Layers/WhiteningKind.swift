import OpenCLRuntime

/// `whiten`: airbench's frozen patch-whitening first layer (`Whitening`), its filters measured
/// from the training images.
public struct WhiteningKind: LayerKind, Equatable {
    public var config: WhiteningConfig
    /// The bias trains for this many epochs (nil: throughout).
    public var biasEpochs: Int?

    public init(_ config: WhiteningConfig, biasEpochs: Int? = nil) {
        self.config = config
        self.biasEpochs = biasEpochs
    }

    public static let word = "whiten"
    public static let keys = ["size", "epsilon", "bias_epochs", "same"]
    public static let namePrefix = "whiten"
    public static var placement: LayerPlacement { .firstOnly }
    public static let listKeys: [String] = []
    public var sublists: [[LayerSpec]] { [] }
    public func replacingSublists(_ lists: [[LayerSpec]]) -> WhiteningKind { self }

    public static func decode(_ settings: LayerSettingsReader) throws -> WhiteningKind {
        var whiten = WhiteningConfig()
        // The patch must also fit the images: the shape rule refuses it when the network is built.
        whiten.size = try settings.int("size", default: 2, min: 1, max: LayerLimits.kernelExtent)
        if let e = try settings.double("epsilon", .positive) { whiten.epsilon = e }
        whiten.same = try settings.bool("same", default: false)
        let biasEpochs = settings.has("bias_epochs")
            ? try settings.int("bias_epochs", default: nil, min: 0, max: LayerLimits.epochs) : nil
        return WhiteningKind(whiten, biasEpochs: biasEpochs)
    }

    public func outputShape(layer: String, input: Shape) throws -> Shape { try config.outputShape(layer: layer, input: input) }

    /// The weight is frozen and measured from data: `Model.initializeFromData` writes it (after
    /// the seed's He/Xavier values, which `Model.initializeParameters` replaces by the measured
    /// filters again when they exist), a checkpoint restores it on resume.
    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try Whitening(context: build.context, name: build.name, input: build.input, config: config, biasEpochs: biasEpochs)
    }

    public var initializationRole: InitializationRole { .transparent }
    public var summary: [String] { ["\(config.size)x\(config.size)" + (config.same ? " same" : "")] }
    public func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] { [LayerVariantChoice(KernelVariant(family: "whiten"))] }
    public static var checkShapes: [LayerCheckShape] {
        [LayerCheckShape(WhiteningKind(WhiteningConfig(size: 2)), input: Shape(channels: 3, height: 7, width: 6), batch: 1, quick: true),
         LayerCheckShape(WhiteningKind(WhiteningConfig(size: 3, same: true)), input: Shape(channels: 3, height: 7, width: 6), batch: 3)]
    }

    /// The frozen filters are an ordinary convolution at inference; `same` reads zeros past the
    /// bottom and right edges.
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        let channels = graph.shape.channels
        let filters = config.filters(channels: channels)
        let weightShape = [filters, channels, config.size, config.size]
        let weight = try graph.tensor(layer, "weight", shape: weightShape)
        let bias = try graph.tensor(layer, "bias", shape: [filters])
        let end = config.same ? config.size - 1 : 0
        graph.current = graph.node("Conv", name: layer, inputs: [
            graph.current, graph.constant("\(layer).weight", shape: weightShape, values: weight),
            graph.constant("\(layer).bias", shape: [filters], values: bias),
        ], attributes: [.ints("kernel_shape", [config.size, config.size]), .ints("strides", [1, 1]), .ints("pads", [0, 0, end, end])])
        graph.shape = try outputShape(layer: layer, input: graph.shape)
    }
}
