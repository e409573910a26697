import FileOutput
import HDF5
import Foundation
import InputData
import Layers
import Model
import OpenCLRuntime

/// Every layer's output for the first images of the validation split, in evaluation mode.
public struct ActivationDump {
    public let count: Int
    public let input: [Float]
    public let inputShape: Shape
    public let labels: [Int32]
    public let layers: [(name: String, shape: Shape, values: [Float])]

    /// The first `count` images of the validation split of `data` through `model`; `slots`
    /// must hold batches of at least `count` images.
    public static func capture(model: Model, data: DataSplits, slots: InputSlotRing, count: Int) throws -> ActivationDump {
        let network = model.network
        try network.reserve(batch: count)
        let stream = try data.epochStream(split: .validation, epoch: 0, batch: count, slots: slots, normalization: model.normalization)
        defer { stream.cancel() }
        guard let batch = try stream.next() else { throw DataError.noData(split: "validation") }
        let n = min(count, batch.count)
        try network.forward(batch.slot.images, batch: n, mode: .evaluation)
        let layers = try network.everyOutput().map { layer, values in
            (layer.name, layer.outputShape, try values.read(count: n * layer.outputShape.count))
        }
        let dump = ActivationDump(count: n, input: try batch.slot.images.read(count: n * network.inputShape.count),
                                  inputShape: network.inputShape, labels: try batch.slot.labels.read(count: n), layers: layers)
        try slots.release(batch, context: model.context)
        return dump
    }

    /// Encoded in memory and written whole by `OutputFile`, so a full disk leaves no partial dump.
    public func write(to path: String) throws {
        let file = try HDF5File.createInMemory(name: path)
        try file.write(input, shape: [count, inputShape.channels, inputShape.height, inputShape.width], to: "/input")
        try file.write(labels, shape: [count], to: "/labels")
        try file.createGroup("/activations")
        for layer in layers {
            try file.write(layer.values, shape: [count, layer.shape.channels, layer.shape.height, layer.shape.width],
                           to: "/activations/\(layer.name)")
        }
        try file.setAttribute("layers", .strings(layers.map(\.name)), on: "/activations")
        let bytes = try file.image()
        try file.close()
        try OutputFile.write(bytes, to: path)
    }
}
