import Distributed
import Foundation
import Layers
import Model
import OpenCLRuntime

/// Averages the parameter gradients of a data-parallel step over the ranks (Horovod's
/// DistributedOptimizer): as backward finishes a layer, its gradients are read to the host and
/// packed into a bucket; a full bucket (`bucketBytes`) starts a non-blocking all-reduce at
/// once, and is polled after each later layer, so communication runs while backward goes on
/// with earlier layers. `finish` waits for every bucket, divides by the number of ranks and
/// writes the gradients back before the update.
///
/// A layer's gradients are read one layer late, through the transfer queue after a marker
/// behind its kernels: the device computes the next layer's backward meanwhile, where a read
/// on the (in-order) compute queue would make it wait for the host.
///
/// Each rank's loss gradient is the mean over its local batch; the mean of those over equal
/// local batches is the mean over the global batch, the gradient of one process at that batch.
public final class GradientAverager {
    /// Large enough that one all-reduce moves megabytes (bandwidth, not latency), small enough
    /// that the first one starts while backward still has layers to go.
    public static let defaultBucketBytes = 4 << 20

    let communicator: Communicator
    let context: ComputeContext
    /// The trainable parameters of each layer, by layer index.
    let layerParameters: [[Parameter]]
    let bucketBytes: Int
    private var pending: [Float] = []
    private var pendingParameters: [Parameter] = []
    private var started: [(parameters: [Parameter], sum: PendingSum)] = []
    /// Layers whose backward is enqueued but whose gradients are not read yet, with a marker
    /// that completes when their kernels have.
    private var unread: [(layer: Int, done: Event)] = []
    /// Host time in MPI calls (starting and waiting for the sums) and writing the averages back,
    /// since `resetTiming`; reading a gradient is left out, since it waits for backward to compute it.
    public private(set) var communicationSeconds = 0.0

    public init(network: Network, communicator: Communicator, bucketBytes: Int = GradientAverager.defaultBucketBytes) {
        self.communicator = communicator
        context = network.context
        layerParameters = network.layers.map { $0.parameters.filter(\.trainable) }
        self.bucketBytes = bucketBytes
    }

    /// Backward has enqueued layer `index`: the gradients of the layers before it in backward
    /// order join the current bucket while the device runs this one.
    public func layerDone(_ index: Int) throws {
        guard !layerParameters[index].isEmpty else { return }
        let done = try context.marker()
        try context.flush()
        try readUnread()
        unread.append((index, done))
        for bucket in started { try bucket.sum.poll() }
    }

    private func readUnread() throws {
        for (layer, done) in unread {
            try done.wait()
            for parameter in layerParameters[layer] {
                pending += try parameter.gradient.read(onTransferQueue: true)
                pendingParameters.append(parameter)
            }
            if pending.count * MemoryLayout<Float>.stride >= bucketBytes { try startBucket() }
        }
        unread = []
    }

    /// Waits for every bucket and writes the averaged gradients back.
    public func finish() throws {
        try readUnread()
        if !pending.isEmpty { try startBucket() }
        let start = Date()
        defer { communicationSeconds += Date().timeIntervalSince(start) }
        let scale = 1 / Float(communicator.size)
        for bucket in started {
            let sums = try bucket.sum.wait()
            var offset = 0
            for parameter in bucket.parameters {
                try parameter.gradient.write(sums[offset..<(offset + parameter.count)].map { $0 * scale })
                offset += parameter.count
            }
        }
        started = []
    }

    public func resetTiming() { communicationSeconds = 0 }

    private func startBucket() throws {
        let start = Date()
        defer { communicationSeconds += Date().timeIntervalSince(start) }
        started.append((pendingParameters, try communicator.startAllReduceSum(pending)))
        pending = []
        pendingParameters = []
    }
}
