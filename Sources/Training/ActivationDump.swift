import Foundation
import HDF5
import Layers
import OpenCLRuntime

/// Every layer's output for the first images of the validation split, in evaluation mode.
public struct ActivationDump {
    public let count: Int
    public let input: [Float]
    public let inputShape: Shape
    public let labels: [Int32]
    public let layers: [(name: String, shape: Shape, values: [Float])]

    public static func capture(setup: TrainingSetup, count: Int) throws -> ActivationDump {
        let stream = try setup.data.epochStream(split: .validation, epoch: 0, batch: setup.batch, slots: setup.slots)
        defer { stream.cancel() }
        guard let batch = try stream.next() else { throw TrainingError.invalidSetting("the validation split is empty") }
        let n = min(count, batch.count)
        try setup.network.forward(batch.slot.images, batch: n, mode: .evaluation)
        let layers = try setup.network.layers.enumerated().map { index, layer in
            (layer.name, layer.outputShape, try setup.network.output(ofLayer: index).read(count: n * layer.outputShape.count))
        }
        let dump = ActivationDump(count: n, input: try batch.slot.images.read(count: n * setup.network.inputShape.count),
                                  inputShape: setup.network.inputShape, labels: try batch.slot.labels.read(count: n), layers: layers)
        try setup.slots.release(batch, context: setup.context)
        return dump
    }

    public func write(to path: String) throws {
        let file = try HDF5File.create(at: path)
        try file.write(input, shape: [count, inputShape.channels, inputShape.height, inputShape.width], to: "/input")
        try file.write(labels, shape: [count], to: "/labels")
        try file.createGroup("/activations")
        for layer in layers {
            try file.write(layer.values, shape: [count, layer.shape.channels, layer.shape.height, layer.shape.width],
                           to: "/activations/\(layer.name)")
        }
        try file.setAttribute("layers", .strings(layers.map(\.name)), on: "/activations")
        try file.close()
    }
}
