import OpenCLRuntime

/// `fc`: a fully connected (linear) layer over the flattened input (`FullyConnected`).
public struct FullyConnectedKind: SimpleLayerKind, Equatable {
    public var config: FullyConnectedConfig
    public init(_ config: FullyConnectedConfig) { self.config = config }

    public static let word = "fc"
    public static let keys = ["outputs", "bias", "scale", "init"]
    public static let namePrefix = "fc"

    public static func decode(_ settings: LayerSettingsReader) throws -> FullyConnectedKind {
        var fc = FullyConnectedConfig(outputs: try settings.int("outputs", default: nil, min: 1, max: LayerLimits.channels))
        fc.bias = try settings.bool("bias", default: true)
        if let scale = try settings.double("scale", .positiveAtMost(1e6)) { fc.scale = Float(scale) }
        return FullyConnectedKind(fc)
    }

    public func outputShape(layer: String, input: Shape) throws -> Shape { Shape(channels: config.outputs, height: 1, width: 1) }

    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try FullyConnected(context: build.context, name: build.name, input: build.input, config: config, gemmTuning: build.gemmTuning,
                           style: build.style)
    }

    /// "cpu-rows" (fc_cpu.cl) in the per-plane style, "gemm <tiling>" in the per-element one.
    public static func variant(style: KernelStyle, tuning: GemmTuning) -> KernelVariant {
        switch style {
        case .perPlane: return KernelVariant(family: "fc", name: "cpu-rows")
        case .perElement: return KernelVariant(family: "fc", name: "gemm " + KernelVariant.describe(tuning))
        }
    }

    public var initializationRole: InitializationRole { .weights }

    public var summary: [String] {
        var settings: [String] = []
        if !config.bias { settings.append("no bias") }
        if config.scale != 1 { settings.append("scale \(config.scale)") }
        return settings
    }

    /// cpu-rows, then gemm.cl with each tiling `check` runs.
    public func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] {
        let rows = LayerVariantChoice(Self.variant(style: .perPlane, tuning: GemmTuning.rule(for: device)), style: .perPlane)
        return [rows] + GemmTuning.checkTilings(for: device).map { tuning in
            LayerVariantChoice(Self.variant(style: .perElement, tuning: tuning), refusal: tuning.refusal(on: device), gemmTuning: tuning,
                               style: .perElement)
        }
    }

    /// Batch 1 from a spatial input, a scale without bias, a batch off every tile.
    public static var checkShapes: [LayerCheckShape] {
        [LayerCheckShape(FullyConnectedKind(FullyConnectedConfig(outputs: 7)), input: Shape(channels: 3, height: 5, width: 5), batch: 1,
                         quick: true),
         LayerCheckShape(FullyConnectedKind(FullyConnectedConfig(outputs: 10, bias: false, scale: 1.0 / 9)),
                         input: Shape(channels: 65, height: 1, width: 1), batch: 3),
         LayerCheckShape(FullyConnectedKind(FullyConnectedConfig(outputs: 100)), input: Shape(channels: 64, height: 4, width: 4), batch: 33)]
    }

    /// y = scale (W x + b): Gemm's alpha scales the product, beta the bias; the input is flattened once.
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        if !graph.flattened {
            graph.current = graph.node("Flatten", name: "\(layer).flatten", inputs: [graph.current], attributes: [.int("axis", 1)])
            graph.flattened = true
        }
        let weight = try graph.tensor(layer, "weight", shape: [config.outputs, graph.shape.count])
        var inputs = [graph.current, graph.constant("\(layer).weight", shape: [config.outputs, graph.shape.count], values: weight)]
        if config.bias {
            inputs.append(graph.constant("\(layer).bias", shape: [config.outputs], values: try graph.tensor(layer, "bias", shape: [config.outputs])))
        }
        graph.current = graph.node("Gemm", name: layer, inputs: inputs,
                                   attributes: [.int("transB", 1), .float("alpha", config.scale), .float("beta", config.scale)])
        graph.shape = Shape(channels: config.outputs, height: 1, width: 1)
    }
}
