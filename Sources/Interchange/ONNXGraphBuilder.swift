import Foundation

/// Collects the nodes and initializers of one ONNX graph, naming every value uniquely, so that
/// the exporter can say only which operator follows which.
struct ONNXGraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var usedNames: Set<String> = []

    /// A float tensor as an initializer; returns its value name.
    mutating func constant(_ name: String, shape: [Int], values: [Float]) -> String {
        precondition(shape.reduce(1, *) == values.count, "\(name): \(values.count) values for shape \(shape)")
        let unique = uniqueName(name)
        var tensor = Onnx_TensorProto()
        tensor.name = unique
        tensor.dims = shape.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        // Raw little-endian floats (every machine Conveyor runs on is little-endian).
        tensor.rawData = values.withUnsafeBytes { Data($0) }
        initializers.append(tensor)
        return unique
    }

    /// A scalar (shape []) constant.
    mutating func scalar(_ name: String, _ value: Float) -> String { constant(name, shape: [], values: [value]) }

    /// One node; returns the name of its (single) output.
    @discardableResult
    mutating func node(_ opType: String, name: String, inputs: [String], attributes: [Onnx_AttributeProto] = [],
                       output: String? = nil) -> String {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = uniqueName(name)
        node.input = inputs
        let out = output.map { uniqueName($0) } ?? node.name
        node.output = [out]
        node.attribute = attributes
        nodes.append(node)
        return out
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values.map(Int64.init)
        return attribute
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = Int64(value)
        return attribute
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }

    private mutating func uniqueName(_ name: String) -> String {
        var candidate = name
        var index = 2
        while usedNames.contains(candidate) {
            candidate = "\(name)_\(index)"
            index += 1
        }
        usedNames.insert(candidate)
        return candidate
    }
}

extension Onnx_ValueInfoProto {
    /// A tensor whose first dimension is the symbolic `batch`.
    static func tensor(_ name: String, type: Onnx_TensorProto.DataType, batchedShape: [Int]) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(type.rawValue)
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = ONNXExport.batchDimension
        tensor.shape.dim = [batch] + batchedShape.map { size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            dimension.dimValue = Int64(size)
            return dimension
        }
        info.type.tensorType = tensor
        return info
    }
}
