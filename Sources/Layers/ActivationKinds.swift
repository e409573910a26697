import OpenCLRuntime

/// `relu`: max(x, 0) (`Activation`).
public struct ReLUKind: ActivationLayerKind, Equatable {
    public init() {}
    public static let word = "relu"
    public static let namePrefix = "relu"
    public static let activation = ActivationKind.relu
    public static func decode(_ settings: LayerSettingsReader) throws -> ReLUKind { ReLUKind() }
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        graph.current = graph.node("Relu", name: layer, inputs: [graph.current], attributes: [])
    }
}

/// `gelu`: the tanh form of GELU (`Activation`).
public struct GELUKind: ActivationLayerKind, Equatable {
    public init() {}
    public static let word = "gelu"
    public static let namePrefix = "gelu"
    public static let activation = ActivationKind.gelu
    public static func decode(_ settings: LayerSettingsReader) throws -> GELUKind { GELUKind() }

    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) from opset-17 operators, the form
    /// Conveyor's kernels compute (opset 20's Gelu would need newer runtimes).
    public func exportONNX(layer: String, to graph: ONNXGraphWriter) throws {
        let input = graph.current
        let cubic = graph.scalar("\(layer).cubic", 0.044715)
        let sqrt2OverPi = graph.scalar("\(layer).sqrt_2_over_pi", Float((2.0 / Double.pi).squareRoot()))
        let half = graph.scalar("\(layer).half", 0.5)
        let one = graph.scalar("\(layer).one", 1)
        let square = graph.node("Mul", name: "\(layer).square", inputs: [input, input], attributes: [])
        let cube = graph.node("Mul", name: "\(layer).cube", inputs: [square, input], attributes: [])
        let scaledCube = graph.node("Mul", name: "\(layer).scaled_cube", inputs: [cube, cubic], attributes: [])
        let inner = graph.node("Add", name: "\(layer).inner", inputs: [input, scaledCube], attributes: [])
        let argument = graph.node("Mul", name: "\(layer).argument", inputs: [inner, sqrt2OverPi], attributes: [])
        let tanh = graph.node("Tanh", name: "\(layer).tanh", inputs: [argument], attributes: [])
        let onePlus = graph.node("Add", name: "\(layer).one_plus", inputs: [tanh, one], attributes: [])
        let halfInput = graph.node("Mul", name: "\(layer).half_input", inputs: [input, half], attributes: [])
        graph.current = graph.node("Mul", name: layer, inputs: [halfInput, onePlus], attributes: [])
    }
}

/// What the element-wise non-linearities share: no settings, the shape kept, one kernel pair.
public protocol ActivationLayerKind: SimpleLayerKind {
    init()
    static var activation: ActivationKind { get }
}

public extension ActivationLayerKind {
    static var keys: [String] { [] }
    func outputShape(layer: String, input: Shape) throws -> Shape { input }
    func makeLayer(_ build: LayerBuild) throws -> Layer {
        try Activation(context: build.context, name: build.name, input: build.input, kind: Self.activation)
    }
    var initializationRole: InitializationRole { .rectifier }
    var summary: [String] { [] }
    func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice] {
        [LayerVariantChoice(KernelVariant(family: "activation", name: Self.activation.rawValue))]
    }
    /// A small odd shape (a vector tail) in the quick set, and a wide one.
    static var checkShapes: [LayerCheckShape] {
        [LayerCheckShape(Self(), input: Shape(channels: 3, height: 7, width: 5), batch: 1, quick: true),
         LayerCheckShape(Self(), input: Shape(channels: 33, height: 16, width: 16), batch: 3)]
    }
}
