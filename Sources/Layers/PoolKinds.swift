import OpenCLRuntime

/// `maxpool`: the largest value of each window (`MaxPool2D`).
public struct MaxPoolKind: SimpleLayerKind, Equatable {
    public var config: Pool2DConfig
    public init(_ config: Pool2DConfig) { self.config = config }

    public static let word = "maxpool"
    public static let keys = Pool2DConfig.keys
    public static let namePrefix = "pool"

    public static func decode(_ settings: LayerSettingsReader) throws -> MaxPoolKind { MaxPoolKind(try Pool2DConfig.decode(settings, word: word)) }
    public func outputShape(layer: String, input: Shape) throws -> Shape { try config.outputShape(layer: layer, input: input) }
    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try MaxPool2D(context: build.context, name: build.name, input: build.input, config: config, style: build.style)
    }
    public var initializationRole: InitializationRole { .transparent }
    public var summary: [String] { config.summary }
    public func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] { KernelStyle.checkVariants(family: "maxpool") }
    public static var checkShapes: [LayerCheckShape] { Pool2DConfig.checkShapes.map { LayerCheckShape(MaxPoolKind($0.config), input: $0.input, batch: $0.batch, quick: $0.quick) } }
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        try config.exportONNX(op: "MaxPool", layer: layer, to: graph, attributes: [])
    }
}

/// `avgpool`: the mean of each window, padding counted (`AvgPool2D`).
public struct AvgPoolKind: SimpleLayerKind, Equatable {
    public var config: Pool2DConfig
    public init(_ config: Pool2DConfig) { self.config = config }

    public static let word = "avgpool"
    public static let keys = Pool2DConfig.keys
    public static let namePrefix = "pool"

    public static func decode(_ settings: LayerSettingsReader) throws -> AvgPoolKind { AvgPoolKind(try Pool2DConfig.decode(settings, word: word)) }
    public func outputShape(layer: String, input: Shape) throws -> Shape { try config.outputShape(layer: layer, input: input) }
    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try AvgPool2D(context: build.context, name: build.name, input: build.input, config: config, style: build.style)
    }
    public var initializationRole: InitializationRole { .transparent }
    public var summary: [String] { config.summary }
    public func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] { KernelStyle.checkVariants(family: "avgpool") }
    public static var checkShapes: [LayerCheckShape] { Pool2DConfig.checkShapes.map { LayerCheckShape(AvgPoolKind($0.config), input: $0.input, batch: $0.batch, quick: $0.quick) } }
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        // Conveyor's average divides by the window inside the padded input (PyTorch's count_include_pad=True).
        try config.exportONNX(op: "AveragePool", layer: layer, to: graph, attributes: [.int("count_include_pad", 1)])
    }
}

/// `global_avgpool`: one mean per channel (`GlobalAvgPool`).
public struct GlobalAvgPoolKind: SimpleLayerKind, Equatable {
    public init() {}

    public static let word = "global_avgpool"
    public static let keys: [String] = []
    public static let namePrefix = "gap"

    public static func decode(_ settings: LayerSettingsReader) throws -> GlobalAvgPoolKind { GlobalAvgPoolKind() }
    public func outputShape(layer: String, input: Shape) throws -> Shape { Shape(channels: input.channels, height: 1, width: 1) }
    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try GlobalAvgPool(context: build.context, name: build.name, input: build.input, style: build.style)
    }
    public var initializationRole: InitializationRole { .transparent }
    public var summary: [String] { [] }
    public func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] { KernelStyle.checkVariants(family: "global-avgpool") }
    public static var checkShapes: [LayerCheckShape] {
        [LayerCheckShape(GlobalAvgPoolKind(), input: Shape(channels: 7, height: 5, width: 5), batch: 1, quick: true),
         LayerCheckShape(GlobalAvgPoolKind(), input: Shape(channels: 65, height: 8, width: 8), batch: 3)]
    }
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        graph.current = graph.node("GlobalAveragePool", name: layer, inputs: [graph.current], attributes: [])
        graph.shape = Shape(channels: graph.shape.channels, height: 1, width: 1)
    }
}

extension Pool2DConfig {
    static let keys = ["size", "stride", "padding", "rounding"]

    static func decode(_ settings: LayerSettingsReader, word: String) throws -> Pool2DConfig {
        let size = try settings.int("size", default: 2, min: 1, max: LayerLimits.kernelExtent)
        var pool = Pool2DConfig(size: size, stride: try settings.int("stride", default: size, min: 1, max: LayerLimits.kernelExtent))
        pool.padding = try settings.int("padding", default: 0, min: 0, max: LayerLimits.kernelExtent)
        if pool.padding >= pool.size {
            throw settings.error(at: "padding", "\(word) padding (\(pool.padding)) must be smaller than its size (\(pool.size))")
        }
        pool.rounding = try settings.word("rounding", default: Rounding.exact)
        return pool
    }

    var summary: [String] {
        var settings = ["\(size)x\(size) s\(stride)"]
        if padding != 0 { settings.append("p\(padding)") }
        if rounding != .exact { settings.append("\(rounding)") }
        return settings
    }

    /// Ceil and floor rounding, padding; the first in the quick set.
    static var checkShapes: [(config: Pool2DConfig, input: Shape, batch: Int, quick: Bool)] {
        [(Pool2DConfig(size: 3, stride: 2, rounding: .ceil), Shape(channels: 3, height: 13, width: 13), 1, true),
         (Pool2DConfig(size: 2, stride: 2, rounding: .floor), Shape(channels: 3, height: 7, width: 7), 3, false),
         (Pool2DConfig(size: 3, stride: 2, padding: 1, rounding: .floor), Shape(channels: 5, height: 9, width: 9), 2, false)]
    }

    func exportONNX(op: String, layer: String, to graph: ONNXGraphWriter, attributes extra: [ONNXAttribute]) throws {
        graph.current = graph.node(op, name: layer, inputs: [graph.current], attributes: [
            .ints("kernel_shape", [size, size]),
            .ints("strides", [stride, stride]),
            .ints("pads", [padding, padding, padding, padding]),
            .int("ceil_mode", rounding == .ceil ? 1 : 0),
        ] + extra)
        graph.shape = try outputShape(layer: layer, input: graph.shape)
    }
}

extension KernelStyle {
    /// One variant per kernel style, for the kinds that offer both.
    static func checkVariants(family: String) -> [LayerVariantChoice] {
        allCases.map { LayerVariantChoice(KernelVariant(family: family, name: $0.rawValue), style: $0) }
    }
}
