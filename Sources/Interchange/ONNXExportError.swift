/// Why a checkpoint could not become an ONNX model; every case names the layer and what to do.
public struct ONNXExportError: Error, CustomStringConvertible, Equatable {
    public let layer: String
    public let message: String

    public var description: String { "cannot export layer '\(layer)' to ONNX: \(message)" }

    /// A layer kind with no ONNX operator (or one turned off for a test).
    static func unsupported(layer: String, kind: String) -> ONNXExportError {
        ONNXExportError(layer: layer, message: "its kind '\(kind)' has no ONNX equivalent in Conveyor's exporter; "
                        + "remove it from the pipeline, or evaluate the checkpoint with `conveyor evaluate` instead")
    }

    static func missingTensor(layer: String, tensor: String) -> ONNXExportError {
        ONNXExportError(layer: layer, message: "the checkpoint has no '\(tensor)' for it; the checkpoint does not match its "
                        + "stored pipeline (was it edited?)")
    }
}
