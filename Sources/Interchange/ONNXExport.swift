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

        // Each layer's kind appends its own nodes (`LayerKind.exportONNX`).
        let writer = ONNXLayerWriter(graph: graph, current: current, shape: source.inputShape, tensors: source.tensors, refusing: refusing)
        try writer.emit(source.layers)
        graph = writer.graph
        current = writer.current
        let shape = writer.shape
        if !writer.flattened {
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
}

/// The graph as the layer kinds write to it: the value flowing, the checkpoint's tensors, and
/// the errors that name the layer.
final class ONNXLayerWriter: ONNXGraphWriter {
    var graph: ONNXGraphBuilder
    var current: String
    var shape: Shape
    var flattened = false
    let tensors: [String: [String: Checkpoint.Tensor]]
    /// Kinds (pipeline words) to refuse, for the tests of the refusal.
    let refusing: Set<String>

    init(graph: ONNXGraphBuilder, current: String, shape: Shape, tensors: [String: [String: Checkpoint.Tensor]], refusing: Set<String>) {
        self.graph = graph
        self.current = current
        self.shape = shape
        self.tensors = tensors
        self.refusing = refusing
    }

    func node(_ op: String, name: String, inputs: [String], attributes: [ONNXAttribute]) -> String {
        graph.node(op, name: name, inputs: inputs, attributes: attributes.map { attribute in
            switch attribute {
            case let .int(name, value): return ONNXGraphBuilder.int(name, value)
            case let .ints(name, values): return ONNXGraphBuilder.ints(name, values)
            case let .float(name, value): return ONNXGraphBuilder.float(name, value)
            }
        })
    }

    func constant(_ name: String, shape: [Int], values: [Float]) -> String { graph.constant(name, shape: shape, values: values) }
    func scalar(_ name: String, _ value: Float) -> String { graph.scalar(name, value) }

    func tensor(_ layer: String, _ name: String, shape expected: [Int]?) throws -> [Float] {
        guard let found = tensors[layer]?[name] else { throw ONNXExportError.missingTensor(layer: layer, tensor: name) }
        if let expected, found.shape != expected {
            throw ONNXExportError(layer: layer, message: "its \(name) has shape \(found.shape) in the checkpoint but the "
                                  + "stored pipeline implies \(expected); the checkpoint does not match its pipeline")
        }
        return found.values
    }

    func optionalTensor(_ layer: String, _ name: String) -> [Float]? { tensors[layer]?[name]?.values }

    func emit(_ specs: [LayerSpec]) throws {
        for spec in specs {
            if refusing.contains(spec.kind.word) { throw ONNXExportError.unsupported(layer: spec.name, kind: spec.kind.word) }
            do {
                try spec.kind.exportONNX(layer: spec.name, to: self)
            } catch let error as ShapeError {
                throw ONNXExportError(layer: spec.name, message: error.message)
            }
        }
    }

    func failure(layer: String, message: String) -> Error { ONNXExportError(layer: layer, message: message) }
}
