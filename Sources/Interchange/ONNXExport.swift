import Checkpoints
import Foundation
import Layers
import PipelineConfig

/// A trained network as an ONNX model for inference (evaluation mode): batch norm with its
/// running statistics, dropout left out, the input normalisation as the first two nodes.
///
/// Input `images`: float32 [batch, 3, 32, 32], NCHW, raw RGB in [0, 1] (a byte divided by 255);
/// or, with `InputType.bytes`, uint8 [batch, 3, 32, 32], the bytes themselves (CIFAR-10's layout).
/// Output `logits`: float32 [batch, classes], the scores before softmax. `batch` is symbolic.
/// Opset 17, IR version 8: what ONNX Runtime and onnx 1.13 and later read.
public enum ONNXExport {
    public static let opset = 17
    public static let irVersion = 8
    public static let inputName = "images"
    public static let outputName = "logits"
    public static let batchDimension = "batch"

    /// The element type of the `images` input.
    public enum InputType: String, CaseIterable, Sendable {
        /// float32 RGB in [0, 1].
        case float
        /// uint8 RGB in 0...255; the graph casts and divides by 255 first.
        case bytes
    }

    /// What the exporter needs of a checkpoint: the layer list of its stored pipeline, each
    /// layer's tensors by name, and the input normalisation (0...1 pixel units).
    public struct Source {
        public var layers: [LayerSpec]
        public var tensors: [String: [String: Checkpoint.Tensor]]
        public var mean: [Float]
        public var std: [Float]
        public var inputShape: Shape
        public var name: String
        public var inputType: InputType

        public init(layers: [LayerSpec], tensors: [String: [String: Checkpoint.Tensor]], mean: [Float], std: [Float],
                    inputShape: Shape, name: String, inputType: InputType = .float) {
            self.inputType = inputType
            self.layers = layers
            self.tensors = tensors
            self.mean = mean
            self.std = std
            self.inputShape = inputShape
            self.name = name
        }
    }

    /// The model. `refusing`: layer kinds (pipeline words) to treat as having no ONNX
    /// equivalent; every kind Conveyor has exports, so only tests of the refusal use it.
    public static func model(_ source: Source, producerVersion: String, refusing: Set<String> = []) throws -> Onnx_ModelProto {
        var graph = ONNXGraphBuilder()
        let channels = source.inputShape.channels
        guard source.mean.count == channels, source.std.count == channels else {
            throw ONNXExportError(layer: "normalization", message: "the checkpoint's normalisation has \(source.mean.count) means and "
                                  + "\(source.std.count) standard deviations for \(channels) input channels; it is damaged")
        }
        // (x - mean) / std per channel, broadcast over [1, C, 1, 1]: the network sees what it trained on.
        let mean = graph.constant("normalization.mean", shape: [1, channels, 1, 1], values: source.mean)
        let std = graph.constant("normalization.std", shape: [1, channels, 1, 1], values: source.std)
        var current = inputName
        if source.inputType == .bytes {
            let cast = graph.node("Cast", name: "input.to_float", inputs: [inputName],
                                  attributes: [ONNXGraphBuilder.int("to", Onnx_TensorProto.DataType.float.rawValue)])
            current = graph.node("Div", name: "input.divide_by_255", inputs: [cast, graph.scalar("input.255", 255)])
        }
        current = graph.node("Sub", name: "normalization.subtract_mean", inputs: [current, mean])
        current = graph.node("Div", name: "normalization.divide_by_std", inputs: [current, std])

        var shape = source.inputShape
        var flattened = false
        // A residual block emits its body, then its shortcut from the same input, then their Add.
        func emit(_ specs: [LayerSpec]) throws {
        for spec in specs {
            if refusing.contains(spec.kind.word) { throw ONNXExportError.unsupported(layer: spec.name, kind: spec.kind.word) }
            let tensors = source.tensors[spec.name] ?? [:]
            func tensor(_ name: String, shape expected: [Int]? = nil) throws -> Checkpoint.Tensor {
                guard let found = tensors[name] else { throw ONNXExportError.missingTensor(layer: spec.name, tensor: name) }
                if let expected, found.shape != expected {
                    throw ONNXExportError(layer: spec.name, message: "its \(name) has shape \(found.shape) in the checkpoint but the "
                                          + "stored pipeline implies \(expected); the checkpoint does not match its pipeline")
                }
                return found
            }
            let layer = spec.name
            do {
                switch spec.kind {
                case let .conv(config):
                    let output = try OutputSize.convolution(layer: layer, input: shape, config: config)
                    let weight = try tensor("weight", shape: [config.filters, shape.channels / max(config.groups, 1),
                                                               config.size, config.size])
                    var inputs = [current, graph.constant("\(layer).weight", shape: weight.shape, values: weight.values)]
                    if config.bias {
                        let bias = try tensor("bias", shape: [config.filters])
                        inputs.append(graph.constant("\(layer).bias", shape: bias.shape, values: bias.values))
                    }
                    // Ceil rounding adds windows past the bottom and right padding, which read
                    // zeros: in ONNX that is extra padding at the end.
                    let effective = config.dilation * (config.size - 1) + 1
                    let extraHeight = max(0, (output.height - 1) * config.stride + effective - (shape.height + 2 * config.padding))
                    let extraWidth = max(0, (output.width - 1) * config.stride + effective - (shape.width + 2 * config.padding))
                    current = graph.node("Conv", name: layer, inputs: inputs, attributes: [
                        ONNXGraphBuilder.ints("kernel_shape", [config.size, config.size]),
                        ONNXGraphBuilder.ints("strides", [config.stride, config.stride]),
                        ONNXGraphBuilder.ints("pads", [config.padding, config.padding, config.padding + extraHeight,
                                                       config.padding + extraWidth]),
                        ONNXGraphBuilder.ints("dilations", [config.dilation, config.dilation]),
                        ONNXGraphBuilder.int("group", config.groups),
                    ])
                    shape = output
                case let .whiten(config, _):
                    // The frozen whitening filters are an ordinary convolution at inference;
                    // `same` reads zeros past the bottom and right edges.
                    let filters = config.filters(channels: shape.channels)
                    let weight = try tensor("weight", shape: [filters, shape.channels, config.size, config.size])
                    let bias = try tensor("bias", shape: [filters])
                    let end = config.same ? config.size - 1 : 0
                    current = graph.node("Conv", name: layer, inputs: [
                        current, graph.constant("\(layer).weight", shape: weight.shape, values: weight.values),
                        graph.constant("\(layer).bias", shape: bias.shape, values: bias.values),
                    ], attributes: [
                        ONNXGraphBuilder.ints("kernel_shape", [config.size, config.size]),
                        ONNXGraphBuilder.ints("strides", [1, 1]),
                        ONNXGraphBuilder.ints("pads", [0, 0, end, end]),
                    ])
                    shape = try config.outputShape(layer: layer, input: shape)
                case let .maxpool(config), let .avgpool(config):
                    let isMax: Bool
                    if case .maxpool = spec.kind { isMax = true } else { isMax = false }
                    var attributes = [
                        ONNXGraphBuilder.ints("kernel_shape", [config.size, config.size]),
                        ONNXGraphBuilder.ints("strides", [config.stride, config.stride]),
                        ONNXGraphBuilder.ints("pads", [config.padding, config.padding, config.padding, config.padding]),
                        ONNXGraphBuilder.int("ceil_mode", config.rounding == .ceil ? 1 : 0),
                    ]
                    // Conveyor's average divides by the window inside the padded input
                    // (PyTorch's count_include_pad=True).
                    if !isMax { attributes.append(ONNXGraphBuilder.int("count_include_pad", 1)) }
                    current = graph.node(isMax ? "MaxPool" : "AveragePool", name: layer, inputs: [current], attributes: attributes)
                    shape = try config.outputShape(layer: layer, input: shape)
                case .globalAvgPool:
                    current = graph.node("GlobalAveragePool", name: layer, inputs: [current])
                    shape = Shape(channels: shape.channels, height: 1, width: 1)
                case let .batchnorm(settings):
                    let count = shape.channels
                    let runningMean = try tensor("running_mean", shape: [count]), runningVar = try tensor("running_var", shape: [count])
                    // Without `affine` the scale is 1 and the shift 0; with `scale: false` the
                    // checkpoint holds the frozen scale of ones.
                    let scale = tensors["weight"]?.values ?? [Float](repeating: 1, count: count)
                    let shift = tensors["bias"]?.values ?? [Float](repeating: 0, count: count)
                    current = graph.node("BatchNormalization", name: layer, inputs: [
                        current,
                        graph.constant("\(layer).weight", shape: [count], values: scale),
                        graph.constant("\(layer).bias", shape: [count], values: shift),
                        graph.constant("\(layer).running_mean", shape: [count], values: runningMean.values),
                        graph.constant("\(layer).running_var", shape: [count], values: runningVar.values),
                    ], attributes: [ONNXGraphBuilder.float("epsilon", Float(settings.epsilon))])
                case .dropout:
                    // Identity at inference: no node.
                    break
                case let .fc(config):
                    if !flattened {
                        current = graph.node("Flatten", name: "\(layer).flatten", inputs: [current],
                                             attributes: [ONNXGraphBuilder.int("axis", 1)])
                        flattened = true
                    }
                    let weight = try tensor("weight", shape: [config.outputs, shape.count])
                    var inputs = [current, graph.constant("\(layer).weight", shape: weight.shape, values: weight.values)]
                    if config.bias {
                        let bias = try tensor("bias", shape: [config.outputs])
                        inputs.append(graph.constant("\(layer).bias", shape: bias.shape, values: bias.values))
                    }
                    // y = scale (W x + b): Gemm's alpha scales the product, beta the bias.
                    current = graph.node("Gemm", name: layer, inputs: inputs, attributes: [
                        ONNXGraphBuilder.int("transB", 1),
                        ONNXGraphBuilder.float("alpha", config.scale),
                        ONNXGraphBuilder.float("beta", config.scale),
                    ])
                    shape = Shape(channels: config.outputs, height: 1, width: 1)
                case .relu:
                    current = graph.node("Relu", name: layer, inputs: [current])
                case .gelu:
                    current = tanhGELU(&graph, layer: layer, input: current)
                case let .residual(block):
                    let (input, inputShape) = (current, shape)
                    try emit(block.body)
                    let (bodyOutput, bodyShape) = (current, shape)
                    (current, shape) = (input, inputShape)
                    try emit(block.shortcut)
                    guard shape == bodyShape else {
                        throw ONNXExportError(layer: layer, message: "its body ends in \(bodyShape) but its shortcut in \(shape); "
                                              + "the checkpoint does not match its pipeline")
                    }
                    current = graph.node("Add", name: layer, inputs: [bodyOutput, current])
                }
            } catch let error as ShapeError {
                throw ONNXExportError(layer: layer, message: error.message)
            }
        }
        }
        try emit(source.layers)
        if !flattened {
            current = graph.node("Flatten", name: "logits.flatten", inputs: [current], attributes: [ONNXGraphBuilder.int("axis", 1)])
        }
        // The last node's output is renamed to the graph output.
        var nodes = graph.nodes
        nodes[nodes.count - 1].output = [outputName]

        var onnxGraph = Onnx_GraphProto()
        onnxGraph.name = source.name
        onnxGraph.node = nodes
        onnxGraph.initializer = graph.initializers
        onnxGraph.input = [.tensor(inputName, type: source.inputType == .bytes ? .uint8 : .float,
                                   batchedShape: [source.inputShape.channels, source.inputShape.height, source.inputShape.width])]
        onnxGraph.output = [.tensor(outputName, type: .float, batchedShape: [shape.count])]
        onnxGraph.docString = (source.inputType == .bytes ? "Input images: uint8 NCHW, RGB in 0...255" : "Input images: float32 NCHW, RGB in [0, 1]")
            + "; normalised inside the graph. Output: class scores (logits)."
        var model = Onnx_ModelProto()
        model.irVersion = Int64(irVersion)
        var opsetImport = Onnx_OperatorSetIdProto()
        opsetImport.domain = ""
        opsetImport.version = Int64(opset)
        model.opsetImport = [opsetImport]
        model.producerName = "conveyor"
        model.producerVersion = producerVersion
        model.graph = onnxGraph
        return model
    }

    /// GELU in the tanh form Conveyor's kernels use, from opset-17 operators:
    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). (Opset 20's Gelu would need newer runtimes.)
    private static func tanhGELU(_ graph: inout ONNXGraphBuilder, layer: String, input: String) -> String {
        let cubic = graph.scalar("\(layer).cubic", 0.044715)
        let sqrt2OverPi = graph.scalar("\(layer).sqrt_2_over_pi", Float((2.0 / Double.pi).squareRoot()))
        let half = graph.scalar("\(layer).half", 0.5)
        let one = graph.scalar("\(layer).one", 1)
        let square = graph.node("Mul", name: "\(layer).square", inputs: [input, input])
        let cube = graph.node("Mul", name: "\(layer).cube", inputs: [square, input])
        let scaledCube = graph.node("Mul", name: "\(layer).scaled_cube", inputs: [cube, cubic])
        let inner = graph.node("Add", name: "\(layer).inner", inputs: [input, scaledCube])
        let argument = graph.node("Mul", name: "\(layer).argument", inputs: [inner, sqrt2OverPi])
        let tanh = graph.node("Tanh", name: "\(layer).tanh", inputs: [argument])
        let onePlus = graph.node("Add", name: "\(layer).one_plus", inputs: [tanh, one])
        let halfInput = graph.node("Mul", name: "\(layer).half_input", inputs: [input, half])
        return graph.node("Mul", name: layer, inputs: [halfInput, onePlus])
    }
}

extension OutputSize {
    /// A convolution's output shape, as `Conv2D` computes it.
    static func convolution(layer: String, input: Shape, config: Conv2DConfig) throws -> Shape {
        let height = try compute(layer: layer, axis: "height", input: input.height, window: config.size, stride: config.stride,
                                 padding: config.padding, dilation: config.dilation, rounding: config.rounding)
        let width = try compute(layer: layer, axis: "width", input: input.width, window: config.size, stride: config.stride,
                                padding: config.padding, dilation: config.dilation, rounding: config.rounding)
        return Shape(channels: config.filters, height: height, width: width)
    }
}
