import Distributed
import Foundation
import Layers
import Model

/// Averages the parameter gradients of a data-parallel step over the ranks (Horovod's
/// DistributedOptimizer): as backward finishes a layer, its gradients are read to the host and
/// packed into a bucket; a full bucket (`bucketBytes`) starts a non-blocking all-reduce at
/// once, and is polled after each later layer, so communication runs while backward goes on
/// with earlier layers. `finish` waits for every bucket, divides by the number of ranks and
/// writes the gradients back before the update. (Reading a layer's gradients waits for its
/// backward kernels, so the device does not run ahead of the host during that read.)
///
/// Each rank's loss gradient is the mean over its local batch; the mean of those over equal
/// local batches is the mean over the global batch, the gradient of one process at that batch.
public final class GradientAverager {
    /// Large enough that one all-reduce moves megabytes (bandwidth, not latency), small enough
    /// that the first one starts while backward still has layers to go.
    public static let defaultBucketBytes = 4 << 20

    let communicator: Communicator
    /// The trainable parameters of each layer, by layer index.
    let layerParameters: [[Parameter]]
    let bucketBytes: Int
    private var pending: [Float] = []
    private var pendingParameters: [Parameter] = []
    private var started: [(parameters: [Parameter], sum: PendingSum)] = []
    /// Host time in MPI calls (starting and waiting for the sums) and writing the averages back,
    /// since `resetTiming`; reading a gradient is left out, since it waits for backward to compute it.
    public private(set) var communicationSeconds = 0.0

    public init(network: Network, communicator: Communicator, bucketBytes: Int = GradientAverager.defaultBucketBytes) {
        self.communicator = communicator
        layerParameters = network.layers.map { $0.parameters.filter(\.trainable) }
        self.bucketBytes = bucketBytes
    }

    /// Backward has enqueued layer `index`: its gradients join the current bucket.
    public func layerDone(_ index: Int) throws {
        let parameters = layerParameters[index]
        guard !parameters.isEmpty else { return }
        for parameter in parameters {
            pending += try parameter.gradient.read()
            pendingParameters.append(parameter)
        }
        if pending.count * MemoryLayout<Float>.stride >= bucketBytes { try startBucket() }
        for bucket in started { try bucket.sum.poll() }
    }

    /// Waits for every bucket and writes the averaged gradients back.
    public func finish() throws {
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
