import Distributed
import Layers
import Model
import OpenCLRuntime

/// Checks that every rank holds the same weights: a checksum of the bit patterns of every
/// parameter and layer state is compared with rank 0's. Ranks apply the same averaged update
/// to the same weights, so any difference is a fault (a device computing wrongly, a rank that
/// skipped a step), and training on would average gradients of different models.
final class ReplicaChecksum {
    /// Checked after every this many epochs (a read of all weights to the host).
    static let interval = 1

    let communicator: Communicator
    let tensors: [(name: String, buffer: DeviceBuffer<Float>)]

    init(network: Network, communicator: Communicator) {
        self.communicator = communicator
        tensors = network.leafLayers.flatMap { layer in
            layer.parameters.map { ("\(layer.name).\($0.name)", $0.value) } + layer.state.map { ("\(layer.name).\($0.name)", $0.buffer) }
        }
    }

    /// Throws on every rank when any rank's weights differ from rank 0's.
    func verify(afterEpoch epoch: Int) throws {
        guard communicator.size > 1 else { return }
        let local = try tensors.map { try Self.checksum($0.buffer.read()) }
        var reference = local
        try communicator.broadcast(&reference, from: 0)
        let differing = zip(local, reference).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        var counts = [differing == nil ? 0.0 : 1.0]
        try communicator.allReduceSum(&counts)
        guard counts[0] == 0 else {
            let which = differing.map { "rank \(communicator.rank) differs from rank 0 in \(tensors[$0].name)" }
                ?? "\(Int(counts[0])) rank(s) differ from rank 0"
            throw DistributedError.replicasDiverged(detail: "after epoch \(epoch): \(which)")
        }
    }

    /// Order-dependent mix of the bit patterns: equal only for bitwise-equal tensors (barring collisions).
    static func checksum(_ values: [Float]) -> UInt64 {
        values.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1.bitPattern)) &* 1_099_511_628_211 }
    }
}
