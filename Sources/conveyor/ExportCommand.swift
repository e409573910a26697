import ArgumentParser
import Checkpoints
import FileOutput
import Foundation
import InputData
import Interchange
import Model
import PipelineConfig
import Training

/// `conveyor export CHECKPOINT --format onnx --out model.onnx`: the trained network for other tools.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's network as an ONNX model (evaluation mode, input normalisation included).",
        discussion: "The model takes float32 images [batch, 3, 32, 32], NCHW, RGB in [0, 1] (bytes divided by 255), and returns "
            + "logits [batch, classes]; opset \(ONNXExport.opset). See docs/export.md.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case onnx
    }

    @Argument(help: "The checkpoint, e.g. runs/quickstart/best.h5.")
    var checkpoint: String

    @Option(help: "The file format: onnx.")
    var format: Format = .onnx

    @Option(help: "The input's element type: float (RGB in [0, 1]) or bytes (uint8 RGB in 0...255).")
    var input: InputType = .float

    enum InputType: String, ExpressibleByArgument, CaseIterable {
        case float, bytes
    }

    @Option(help: "The file to write, e.g. model.onnx.")
    var out: String

    @Flag(help: "Overwrite --out when it exists.")
    var force = false

    func run() throws {
        try CommandErrors.reporting {
            try OutputPath.checkNew(out, force: force)
            let saved = try CheckpointFile.load(from: checkpoint)
            try CheckpointMapping.validate(saved, path: checkpoint)
            let config = try PipelineConfig.parse(text: saved.config, path: "\(checkpoint) (stored pipeline)")
            // Checkpoints written before the normalisation was stored: measure it on the
            // training split, as `evaluate` does for them.
            let normalization = try saved.normalization.map { ChannelStatistics(mean: $0.mean, std: $0.std) }
                ?? DataSplits(settings: config.data, augment: config.augment, seed: UInt64(config.train.seed), roles: [.train])
                    .measureNormalization()
            guard let contract = Model.storedContract(saved) ?? DataContract.known(from: config.data) else {
                throw ValidationError("\(checkpoint) stores no class names or image size (/data) and was trained on an image folder; "
                                      + "train it again with this version of Conveyor")
            }
            let shape = NetworkBuilder.inputShape(contract.imageSize)
            let source = ONNXExport.Source(
                layers: config.model, tensors: Dictionary(saved.layers.map { ($0.name, $0.tensors) }, uniquingKeysWith: { a, _ in a }),
                mean: normalization.mean, std: normalization.std, inputShape: shape, name: config.name,
                inputType: input == .bytes ? .bytes : .float)
            var model = try ONNXExport.model(source, producerVersion: ConveyorVersion.number)
            // What a user of the file needs to feed it and read it: the size images were brought
            // to (and how), and the class of each output.
            var names = Onnx_StringStringEntryProto()
            names.key = "class_names"
            names.value = contract.classNames.joined(separator: "\n")
            var size = Onnx_StringStringEntryProto()
            size.key = "input_size"
            size.value = "\(contract.imageSize.height)x\(contract.imageSize.width)" + (contract.resize.map { ", resize \($0.rawValue)" } ?? "")
            model.metadataProps += [names, size]
            let bytes: Data = try model.serializedBytes()
            try OutputFile.write(bytes, to: out)
            let parameters = model.graph.initializer.reduce(0) { $0 + Int($1.dims.reduce(1, *)) }
            let classes = model.graph.output[0].type.tensorType.shape.dim.last?.dimValue ?? 0
            print("wrote \(out): ONNX opset \(ONNXExport.opset), \(model.graph.node.count) nodes, \(parameters) values in initializers; "
                  + "input '\(ONNXExport.inputName)' "
                  + (input == .bytes ? "uint8 [batch, 3, \(shape.height), \(shape.width)] RGB in 0...255, "
                                     : "float32 [batch, 3, \(shape.height), \(shape.width)] RGB in [0, 1], ")
                  + "output '\(ONNXExport.outputName)' [batch, \(classes)]")
        }
    }
}
