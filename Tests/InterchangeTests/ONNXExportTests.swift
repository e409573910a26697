import Checkpoints
import Foundation
import Layers
import PipelineConfig
import XCTest
@testable import Interchange

/// The exported graph is well formed: every node reads only initializers, the graph input or
/// outputs of earlier nodes; the opset, the symbolic batch and every initializer's shape are as
/// the checkpoint says. (scripts/check-exports runs ONNX Runtime against Conveyor's logits.)
final class ONNXExportTests: XCTestCase {
    /// Every layer kind Conveyor has, with the options that change the ONNX attributes.
    static let pipeline = """
        name: every-kind
        data: {source: synthetic}
        model:
          - whiten: {size: 2, same: true}
          - conv: {filters: 8, size: 3, padding: 1, groups: 2}
          - batchnorm: {affine: false}
          - gelu
          - conv: {filters: 8, size: 3, stride: 2, rounding: ceil}
          - batchnorm: {scale: false}
          - relu
          - maxpool: {size: 3, stride: 2, rounding: ceil}
          - avgpool: {size: 3, stride: 2, padding: 1, rounding: floor}
          - dropout: {p: 0.3}
          - conv: {filters: 16, size: 1, bias: false}
          - batchnorm
          - global_avgpool
          - fc: {outputs: 12}
          - relu
          - fc: {outputs: 10, bias: false, scale: 0.125}
        """

    /// Tensors of the right shape for every layer of `config`, filled with a counter.
    static func tensors(for config: PipelineConfig) -> [String: [String: Checkpoint.Tensor]] {
        var result: [String: [String: Checkpoint.Tensor]] = [:]
        var shape = Shape(channels: 3, height: 32, width: 32)
        var counter: Float = 0
        func tensor(_ dims: [Int]) -> Checkpoint.Tensor {
            let count = dims.reduce(1, *)
            defer { counter += Float(count) }
            return Checkpoint.Tensor(shape: dims, values: (0..<count).map { counter + Float($0) })
        }
        func walk(_ specs: [LayerSpec]) {
            for spec in specs {
                if let block = spec.kind as? ResidualKind {
                    let input = shape
                    walk(block.body)
                    let output = shape
                    shape = input
                    walk(block.shortcut)
                    shape = output
                    continue
                }
                if let whiten = spec.kind as? WhiteningKind {
                    let filters = whiten.config.filters(channels: shape.channels)
                    result[spec.name] = ["weight": tensor([filters, shape.channels, whiten.config.size, whiten.config.size]),
                                         "bias": tensor([filters])]
                } else if let c = (spec.kind as? Conv2DKind)?.config {
                    var tensors = ["weight": tensor([c.filters, shape.channels / c.groups, c.size, c.size])]
                    if c.bias { tensors["bias"] = tensor([c.filters]) }
                    result[spec.name] = tensors
                } else if let norm = spec.kind as? BatchNormKind {
                    var tensors = ["running_mean": tensor([shape.channels]), "running_var": tensor([shape.channels])]
                    if norm.affine { tensors["weight"] = tensor([shape.channels]); tensors["bias"] = tensor([shape.channels]) }
                    result[spec.name] = tensors
                } else if let c = (spec.kind as? FullyConnectedKind)?.config {
                    var tensors = ["weight": tensor([c.outputs, shape.count])]
                    if c.bias { tensors["bias"] = tensor([c.outputs]) }
                    result[spec.name] = tensors
                }
                shape = try! spec.kind.outputShape(layer: spec.name, input: shape)
            }
        }
        walk(config.model)
        return result
    }

    func source() throws -> ONNXExport.Source {
        let config = try PipelineConfig.parse(text: Self.pipeline)
        return ONNXExport.Source(layers: config.model, tensors: Self.tensors(for: config), mean: [0.5, 0.4, 0.3],
                                 std: [0.2, 0.25, 0.3], inputShape: Shape(channels: 3, height: 32, width: 32), name: config.name)
    }

    func testGraphIsWellFormedAndMatchesTheCheckpoint() throws {
        let source = try source()
        let written: Data = try ONNXExport.model(source, producerVersion: "test").serializedBytes()
        let model = try Onnx_ModelProto(serializedBytes: written)
        XCTAssertEqual(model.irVersion, 8)
        XCTAssertEqual(model.opsetImport.map(\.version), [17])
        XCTAssertEqual(model.opsetImport.first?.domain, "")
        let graph = model.graph

        // Inputs and outputs: symbolic batch first.
        XCTAssertEqual(graph.input.map(\.name), ["images"])
        XCTAssertEqual(graph.output.map(\.name), ["logits"])
        let inputDims = graph.input[0].type.tensorType.shape.dim
        XCTAssertEqual(inputDims.first?.dimParam, "batch")
        XCTAssertEqual(inputDims.dropFirst().map(\.dimValue), [3, 32, 32])
        let outputDims = graph.output[0].type.tensorType.shape.dim
        XCTAssertEqual(outputDims.first?.dimParam, "batch")
        XCTAssertEqual(outputDims.dropFirst().map(\.dimValue), [10])
        XCTAssertEqual(graph.input[0].type.tensorType.elemType, 1)

        // Every node input exists before the node; every value is produced once.
        var available = Set(graph.initializer.map(\.name) + graph.input.map(\.name))
        XCTAssertEqual(available.count, graph.initializer.count + graph.input.count, "duplicate initializer names")
        for node in graph.node {
            for input in node.input { XCTAssertTrue(available.contains(input), "\(node.name) (\(node.opType)) reads unknown \(input)") }
            for output in node.output { XCTAssertTrue(available.insert(output).inserted, "\(output) is produced twice") }
        }
        XCTAssertTrue(available.contains("logits"))
        XCTAssertEqual(graph.node.last?.output, ["logits"])

        // The normalisation comes first, then no node for dropout, and none is left unused.
        XCTAssertEqual(graph.node.prefix(2).map(\.opType), ["Sub", "Div"])
        XCTAssertFalse(graph.node.contains { $0.opType == "Dropout" })
        let ops = Set(graph.node.map(\.opType))
        for op in ["Conv", "BatchNormalization", "Tanh", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Gemm"] {
            XCTAssertTrue(ops.contains(op), "no \(op) node")
        }

        // Initializers: every checkpoint tensor, with its shape and values.
        let initializers = Dictionary(uniqueKeysWithValues: graph.initializer.map { ($0.name, $0) })
        for (layer, tensors) in source.tensors {
            for (name, tensor) in tensors {
                let stored = try XCTUnwrap(initializers["\(layer).\(name)"], "\(layer).\(name) missing")
                XCTAssertEqual(stored.dims, tensor.shape.map(Int64.init), "\(layer).\(name)")
                XCTAssertEqual(stored.dataType, 1)
                let values = stored.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                XCTAssertEqual(values, tensor.values, "\(layer).\(name)")
            }
        }
        // Batch norm without affine gets a scale of ones and a shift of zeros.
        XCTAssertEqual(initializers["bn1.weight"]?.dims, [8])
        XCTAssertEqual(initializers["bn1.bias"]?.rawData, Data(count: 32))

        func attribute(_ node: String, _ name: String) -> Onnx_AttributeProto? {
            graph.node.first { $0.name == node }?.attribute.first { $0.name == name }
        }
        XCTAssertEqual(attribute("whiten1", "pads")?.ints, [0, 0, 1, 1], "same: zeros past the bottom and right")
        XCTAssertEqual(attribute("conv1", "group")?.i, 2)
        // conv2: 32x32, 3x3, stride 2, ceil: 16 outputs, the last window one past the edge.
        XCTAssertEqual(attribute("conv2", "pads")?.ints, [0, 0, 1, 1])
        XCTAssertEqual(attribute("pool1", "ceil_mode")?.i, 1)
        XCTAssertEqual(attribute("pool2", "ceil_mode")?.i, 0)
        XCTAssertEqual(attribute("pool2", "count_include_pad")?.i, 1)
        XCTAssertEqual(attribute("bn1", "epsilon")?.f, 1e-5)
        XCTAssertEqual(attribute("fc2", "alpha")?.f, 0.125)
        XCTAssertEqual(attribute("fc2", "beta")?.f, 0.125)
        XCTAssertEqual(attribute("fc2", "transB")?.i, 1)
        XCTAssertEqual(graph.node.first { $0.name == "fc2" }?.input.count, 2, "no bias input without bias")
    }

    /// Every kind exports; the refusal (for a kind without an ONNX operator) names the layer.
    func testRefusalNamesTheLayer() throws {
        XCTAssertThrowsError(try ONNXExport.model(source(), producerVersion: "test", refusing: ["gelu"])) { error in
            XCTAssertEqual("\(error)", "cannot export layer 'gelu1' to ONNX: its kind 'gelu' has no ONNX equivalent in Conveyor's "
                           + "exporter; remove it from the pipeline, or evaluate the checkpoint with `conveyor evaluate` instead")
        }
    }

    func testMismatchedTensorShapeIsRefused() throws {
        var source = try source()
        source.tensors["conv3"]?["weight"] = Checkpoint.Tensor(shape: [16, 4, 1, 1], values: [Float](repeating: 0, count: 64))
        XCTAssertThrowsError(try ONNXExport.model(source, producerVersion: "test")) { error in
            XCTAssertTrue("\(error)".contains("layer 'conv3'"), "\(error)")
            XCTAssertTrue("\(error)".contains("[16, 4, 1, 1]"), "\(error)")
        }
        source.tensors["fc1"] = [:]
        source.tensors["conv3"] = Self.tensors(for: try PipelineConfig.parse(text: Self.pipeline))["conv3"]
        XCTAssertThrowsError(try ONNXExport.model(source, producerVersion: "test")) { error in
            XCTAssertTrue("\(error)".contains("cannot export layer 'fc1'"), "\(error)")
        }
    }
}

extension ONNXExportTests {
    /// Byte input: uint8 images, cast and divided by 255 before the normalisation.
    func testByteInputCastsAndScalesFirst() throws {
        var source = try source()
        source.inputType = .bytes
        let model = try ONNXExport.model(source, producerVersion: "test")
        XCTAssertEqual(model.graph.input[0].type.tensorType.elemType, Int32(Onnx_TensorProto.DataType.uint8.rawValue))
        XCTAssertEqual(model.graph.input[0].type.tensorType.shape.dim.first?.dimParam, "batch")
        XCTAssertEqual(model.graph.node.prefix(4).map(\.opType), ["Cast", "Div", "Sub", "Div"])
        XCTAssertEqual(model.graph.node[0].attribute.first { $0.name == "to" }?.i, 1)
        XCTAssertEqual(model.graph.node[0].input, ["images"])
    }
}
