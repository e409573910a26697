import OpenCLRuntime

/// `conv`: a 2-D convolution (`Conv2D`).
public struct Conv2DKind: SimpleLayerKind, Equatable {
    public var config: Conv2DConfig

    public init(_ config: Conv2DConfig) { self.config = config }

    public static let word = "conv"
    public static let keys = ["filters", "size", "stride", "padding", "dilation", "groups", "bias", "rounding", "init"]
    public static let namePrefix = "conv"

    public static func decode(_ settings: LayerSettingsReader) throws -> Conv2DKind {
        var conv = Conv2DConfig(filters: try settings.int("filters", default: nil, min: 1, max: LayerLimits.channels),
                                size: try settings.int("size", default: nil, min: 1, max: LayerLimits.kernelExtent))
        conv.stride = try settings.int("stride", default: 1, min: 1, max: LayerLimits.kernelExtent)
        conv.padding = try settings.int("padding", default: 0, min: 0, max: LayerLimits.kernelExtent)
        conv.dilation = try settings.int("dilation", default: 1, min: 1, max: LayerLimits.kernelExtent)
        conv.groups = try settings.int("groups", default: 1, min: 1, max: LayerLimits.channels)
        if conv.filters % conv.groups != 0 {
            throw settings.error(at: "groups", "conv filters (\(conv.filters)) must divide by groups (\(conv.groups))")
        }
        conv.bias = try settings.bool("bias", default: true)
        conv.rounding = try settings.word("rounding", default: Rounding.exact)
        if try settings.string("init") == WeightInitialization.dirac.rawValue, conv.groups != 1 {
            throw settings.error(at: "init", "init: dirac needs groups: 1 (found groups: \(conv.groups))")
        }
        return Conv2DKind(conv)
    }

    public func outputShape(layer: String, input: Shape) throws -> Shape {
        try Conv2D.outputShape(name: layer, input: input, config: config)
    }

    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        if let tuner = build.tuner {
            return try tuner.convolution(context: build.context, name: build.name, input: build.input, config: config)
        }
        let layer = try Conv2D(context: build.context, name: build.name, input: build.input, config: config, gemmTuning: build.gemmTuning,
                               algorithm: build.algorithm)
        if let chunkImages = build.chunkImages { layer.chunkBudgetBytes = layer.scratchBytes(batch: 1) * chunkImages }
        return layer
    }

    public var initializationRole: InitializationRole { .weights }

    public var summary: [String] {
        var settings = ["\(config.size)x\(config.size)"]
        if config.stride != 1 { settings.append("s\(config.stride)") }
        if config.padding != 0 { settings.append("p\(config.padding)") }
        if config.dilation != 1 { settings.append("d\(config.dilation)") }
        if config.groups != 1 { settings.append("g\(config.groups)") }
        if !config.bias { settings.append("no bias") }
        return settings
    }

    /// Every GEMM tiling of the algorithms built on gemm.cl (tiled-gemm, gpu-winograd), and each
    /// CPU algorithm, where the shape allows it: every device checks both styles.
    public func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] {
        let output = (try? outputShape(layer: "check", input: input)) ?? input
        let tiled = [ConvAlgorithm.tiledGemm, .gpuWinograd, .gpuWinograd4].flatMap { algorithm in
            GemmTuning.checkTilings(for: device).map { tuning in
                LayerVariantChoice(.convolution(algorithm, tuning: tuning),
                                   refusal: algorithm.refusal(input: input, config: config, output: output) ?? tuning.refusal(on: device),
                                   algorithm: algorithm, gemmTuning: tuning)
            }
        }
        let cpu = [ConvAlgorithm.cpuPanels, .cpuImplicit, .cpuChannels, .cpuWinograd, .cpuWinograd4].map { algorithm in
            LayerVariantChoice(.convolution(algorithm, tuning: nil), refusal: algorithm.refusal(input: input, config: config, output: output),
                               algorithm: algorithm)
        }
        return tiled + cpu
    }

    /// Batch 1, odd sizes, stride 2 with floor rounding, padding, dilation, groups, 1x1, no
    /// padding, channels and filters off every tile, and the chunked path.
    public static var checkShapes: [LayerCheckShape] {
        func s(_ c: Int, _ h: Int, _ w: Int) -> Shape { Shape(channels: c, height: h, width: w) }
        return [
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 32, size: 5, padding: 2)), input: s(3, 32, 32), batch: 1, quick: true),
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 17, size: 3, stride: 2, padding: 1, rounding: .floor)), input: s(3, 13, 13),
                            batch: 2, quick: true),
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 40, size: 3, padding: 1)), input: s(13, 16, 16), batch: 2, quick: true),
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 17, size: 3, padding: 1)), input: s(5, 7, 7), batch: 3),
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 24, size: 3, stride: 2, padding: 1, rounding: .floor)), input: s(4, 16, 16),
                            batch: 2),
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 8, size: 3, padding: 2, dilation: 2)), input: s(3, 16, 16), batch: 2),
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 33, size: 1, bias: false)), input: s(6, 4, 4), batch: 5),
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 6, size: 5)), input: s(3, 8, 8), batch: 2),
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 6, size: 3, padding: 1, groups: 2)), input: s(4, 8, 8), batch: 2),
            LayerCheckShape(Conv2DKind(Conv2DConfig(filters: 20, size: 3, padding: 1)), input: s(3, 8, 8), batch: 5, chunkImages: 2),
        ]
    }

    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        let input = graph.shape
        let output = try outputShape(layer: layer, input: input)
        let weightShape = [config.filters, input.channels / max(config.groups, 1), config.size, config.size]
        let weight = try graph.tensor(layer, "weight", shape: weightShape)
        var inputs = [graph.current, graph.constant("\(layer).weight", shape: weightShape, values: weight)]
        if config.bias {
            inputs.append(graph.constant("\(layer).bias", shape: [config.filters], values: try graph.tensor(layer, "bias", shape: [config.filters])))
        }
        // Ceil rounding adds windows past the bottom and right padding, which read zeros: in
        // ONNX that is extra padding at the end.
        let effective = config.dilation * (config.size - 1) + 1
        let extraHeight = max(0, (output.height - 1) * config.stride + effective - (input.height + 2 * config.padding))
        let extraWidth = max(0, (output.width - 1) * config.stride + effective - (input.width + 2 * config.padding))
        graph.current = graph.node("Conv", name: layer, inputs: inputs, attributes: [
            .ints("kernel_shape", [config.size, config.size]),
            .ints("strides", [config.stride, config.stride]),
            .ints("pads", [config.padding, config.padding, config.padding + extraHeight, config.padding + extraWidth]),
            .ints("dilations", [config.dilation, config.dilation]),
            .int("group", config.groups),
        ])
        graph.shape = output
    }
}
