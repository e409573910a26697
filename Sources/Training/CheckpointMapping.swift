import Checkpoints
import Layers
import OpenCLRuntime

/// A checkpoint whose layers or tensors do not match the network built from the pipeline.
public struct CheckpointMismatch: Error, CustomStringConvertible {
    public let differences: [String]
    public var description: String {
        "the checkpoint does not match the pipeline's network:\n" + differences.map { "  - \($0)" }.joined(separator: "\n")
            + "\nResume with the pipeline it was trained with (`conveyor resume CHECKPOINT` uses the stored one)."
    }
}

/// Moves a run's state between the device and a `Checkpoint`: weights, batch-norm statistics,
/// momentum, position (epoch, step), the batch size and the metrics history.
public enum CheckpointMapping {
    /// Keys of `Checkpoint.state`.
    static let batchKey = "batch"

    public static func make(setup: TrainingSetup, epoch: Int, step: Int, metrics: [EpochMetrics]) throws -> Checkpoint {
        let layers = try setup.network.layers.map { layer -> Checkpoint.LayerTensors in
            var tensors: [String: Checkpoint.Tensor] = [:]
            for parameter in layer.parameters {
                tensors[parameter.name] = Checkpoint.Tensor(shape: parameter.shape, values: try parameter.value.read())
            }
            for state in layer.state {
                tensors[state.name] = Checkpoint.Tensor(shape: state.shape, values: try state.buffer.read())
            }
            return Checkpoint.LayerTensors(name: layer.name, tensors: tensors)
        }
        var momentum: [String: [String: Checkpoint.Tensor]] = [:]
        for entry in setup.optimizer.entries {
            momentum[entry.layer, default: [:]]["\(entry.parameter.name)_momentum"] =
                Checkpoint.Tensor(shape: entry.parameter.shape, values: try entry.momentum.read())
        }
        let optimizer = setup.network.layers.compactMap { layer in
            momentum[layer.name].map { Checkpoint.LayerTensors(name: layer.name, tensors: $0) }
        }
        return Checkpoint(epoch: UInt64(epoch), step: UInt64(step), seed: setup.seed, config: setup.config.sourceText,
                          layers: layers, optimizer: optimizer, metrics: metrics,
                          state: [batchKey: UInt64(setup.batch)])
    }

    /// The batch the checkpoint was trained with, so a resumed run uses the same.
    public static func batch(_ checkpoint: Checkpoint) -> Int? {
        checkpoint.state[batchKey].map { Int($0) }
    }

    /// Loads weights, statistics and momentum into the network; returns the position to go on from.
    /// Refuses (listing every difference) a checkpoint whose layers or shapes differ.
    public static func restore(_ checkpoint: Checkpoint, into setup: TrainingSetup) throws -> (epoch: Int, step: Int) {
        let saved = Dictionary(checkpoint.layers.map { ($0.name, $0.tensors) }, uniquingKeysWith: { a, _ in a })
        var differences: [String] = []
        let networkNames = setup.network.layers.map(\.name)
        let savedNames = checkpoint.layers.map(\.name)
        if networkNames != savedNames {
            differences.append("layers: the pipeline has [\(networkNames.joined(separator: ", "))], "
                               + "the checkpoint [\(savedNames.joined(separator: ", "))]")
        }
        var writes: [(DeviceBuffer<Float>, [Float])] = []
        for layer in setup.network.layers {
            guard let tensors = saved[layer.name] else { continue }
            let expected = layer.parameters.map { ($0.name, $0.shape, $0.value) } + layer.state.map { ($0.name, $0.shape, $0.buffer) }
            for (name, shape, buffer) in expected {
                guard let tensor = tensors[name] else {
                    differences.append("\(layer.name).\(name): missing in the checkpoint (the pipeline's shape is \(shape))")
                    continue
                }
                if tensor.shape != shape {
                    differences.append("\(layer.name).\(name): the checkpoint has shape \(tensor.shape), the pipeline \(shape)")
                    continue
                }
                writes.append((buffer, tensor.values))
            }
            let known = Set(expected.map(\.0))
            for extra in tensors.keys.sorted() where !known.contains(extra) {
                differences.append("\(layer.name).\(extra): in the checkpoint but not in the pipeline's layer")
            }
        }
        let momentum = Dictionary(checkpoint.optimizer.map { ($0.name, $0.tensors) }, uniquingKeysWith: { a, _ in a })
        for entry in setup.optimizer.entries {
            let key = "\(entry.parameter.name)_momentum"
            guard let tensor = momentum[entry.layer]?[key], tensor.shape == entry.parameter.shape else {
                differences.append("optimizer \(entry.layer).\(key): missing or of the wrong shape in the checkpoint")
                continue
            }
            writes.append((entry.momentum, tensor.values))
        }
        guard differences.isEmpty else { throw CheckpointMismatch(differences: differences) }
        for (buffer, values) in writes { try buffer.write(values) }
        return (Int(checkpoint.epoch), Int(checkpoint.step))
    }
}
