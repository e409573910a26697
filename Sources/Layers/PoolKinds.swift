import OpenCLRuntime

/// `maxpool`: the largest value of each window (`MaxPool2D`).
public struct MaxPoolKind: WindowPoolKind, Equatable {
    public var config: Pool2DConfig
    public init(_ config: Pool2DConfig) { self.config = config }

    public static let word = "maxpool"
    public static let onnxOperator = "MaxPool"
    public static let onnxAttributes: [ONNXAttribute] = []

    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try MaxPool2D(context: build.context, name: build.name, input: build.input, config: config, style: build.style)
    }
}

/// `avgpool`: the mean of each window, padding counted (`AvgPool2D`).
public struct AvgPoolKind: WindowPoolKind, Equatable {
    public var config: Pool2DConfig
    public init(_ config: Pool2DConfig) { self.config = config }

    public static let word = "avgpool"
    public static let onnxOperator = "AveragePool"
    /// Conveyor's average divides by the window inside the padded input (PyTorch's count_include_pad=True).
    public static let onnxAttributes: [ONNXAttribute] = [.int("count_include_pad", 1)]

    public func makeLayer(_ build: LayerBuild) throws -> Layer {
        try AvgPool2D(context: build.context, name: build.name, input: build.input, config: config, style: build.style)
    }
}

/// What max and average pooling share: the window settings, the shape rule, both kernel styles,
/// the check's shapes and one ONNX node; generated names count pool1, pool2 across both.
public protocol WindowPoolKind: SimpleLayerKind {
    init(_ config: Pool2DConfig)
    var config: Pool2DConfig { get }
    static var onnxOperator: String { get }
    static var onnxAttributes: [ONNXAttribute] { get }
}

public extension WindowPoolKind {
    static var keys: [String] { ["size", "stride", "padding", "rounding"] }
    static var namePrefix: String { "pool" }

    static func decode(_ settings: LayerSettingsReader) throws -> Self {
        let size = try settings.int("size", default: 2, min: 1, max: LayerLimits.kernelExtent)
        var pool = Pool2DConfig(size: size, stride: try settings.int("stride", default: size, min: 1, max: LayerLimits.kernelExtent))
        pool.padding = try settings.int("padding", default: 0, min: 0, max: LayerLimits.kernelExtent)
        if pool.padding >= pool.size {
            throw settings.error(at: "padding", "\(word) padding (\(pool.padding)) must be smaller than its size (\(pool.size))")
        }
        pool.rounding = try settings.word("rounding", default: Rounding.exact)
        return Self(pool)
    }

    func outputShape(layer: String, input: Shape) throws -> Shape { try config.outputShape(layer: layer, input: input) }
    var initializationRole: InitializationRole { .transparent }

    var summary: [String] {
        var settings = ["\(config.size)x\(config.size) s\(config.stride)"]
        if config.padding != 0 { settings.append("p\(config.padding)") }
        if config.rounding != .exact { settings.append("\(config.rounding)") }
        return settings
    }

    func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] { KernelStyle.checkVariants(family: Self.word) }

    /// Ceil and floor rounding, padding; the first in the quick set.
    static var checkShapes: [LayerCheckShape] {
        [LayerCheckShape(Self(Pool2DConfig(size: 3, stride: 2, rounding: .ceil)), input: Shape(channels: 3, height: 13, width: 13), batch: 1,
                         quick: true),
         LayerCheckShape(Self(Pool2DConfig(size: 2, stride: 2, rounding: .floor)), input: Shape(channels: 3, height: 7, width: 7), batch: 3),
         LayerCheckShape(Self(Pool2DConfig(size: 3, stride: 2, padding: 1, rounding: .floor)), input: Shape(channels: 5, height: 9, width: 9),
                         batch: 2)]
    }

    func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        graph.current = graph.node(Self.onnxOperator, name: layer, inputs: [graph.current], attributes: [
            .ints("kernel_shape", [config.size, config.size]),
            .ints("strides", [config.stride, config.stride]),
            .ints("pads", [config.padding, config.padding, config.padding, config.padding]),
            .int("ceil_mode", config.rounding == .ceil ? 1 : 0),
        ] + Self.onnxAttributes)
        graph.shape = try outputShape(layer: layer, input: graph.shape)
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

extension KernelStyle {
    /// One variant per kernel style, for the kinds that offer both.
    static func checkVariants(family: String) -> [LayerVariantChoice] {
        allCases.map { LayerVariantChoice(KernelVariant(family: family, name: $0.rawValue), style: $0) }
    }
}
