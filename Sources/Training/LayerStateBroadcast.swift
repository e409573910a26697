import Distributed
import Layers
import Model

/// Rank 0's layer state (batch-norm running statistics) copied to every rank after each step,
/// as PyTorch DDP broadcasts buffers: with per-rank batch statistics each rank would otherwise
/// blend its own batches into its running statistics, and evaluation and checkpoints would
/// depend on the rank. With `sync_batchnorm` the statistics are global and need no copy.
final class LayerStateBroadcast {
    let communicator: Communicator
    let tensors: [StateTensor]

    init(network: Network, communicator: Communicator) {
        self.communicator = communicator
        tensors = network.layers.flatMap(\.state)
    }

    var isEmpty: Bool { tensors.isEmpty }

    func broadcast() throws {
        var values = try tensors.flatMap { try $0.buffer.read() }
        try communicator.broadcast(&values, from: 0)
        guard !communicator.isRoot else { return }
        var offset = 0
        for tensor in tensors {
            let count = tensor.buffer.count
            try tensor.buffer.write(Array(values[offset..<(offset + count)]))
            offset += count
        }
    }
}
