import Foundation

/// Commands a context has enqueued and the times the host waited for its queue, so `bench`
/// can report launches and host waits per training step (each costs microseconds to tens of
/// microseconds on PoCL, and a wait drains the queue).
public final class CommandCounts: @unchecked Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Kernel launches (clEnqueueNDRangeKernel).
        public var kernels = 0
        /// Buffer commands: fills, device copies and non-blocking writes.
        public var transfers = 0
        /// Times the host blocked on the queue: finish, blocking reads and writes.
        public var hostWaits = 0

        public init(kernels: Int = 0, transfers: Int = 0, hostWaits: Int = 0) {
            self.kernels = kernels
            self.transfers = transfers
            self.hostWaits = hostWaits
        }

        public static func - (a: Snapshot, b: Snapshot) -> Snapshot {
            Snapshot(kernels: a.kernels - b.kernels, transfers: a.transfers - b.transfers, hostWaits: a.hostWaits - b.hostWaits)
        }
    }

    private let lock = NSLock()
    private var counts = Snapshot()

    public var snapshot: Snapshot { lock.withLock { counts } }

    func kernel() { lock.withLock { counts.kernels += 1 } }
    func transfer() { lock.withLock { counts.transfers += 1 } }
    func hostWait() { lock.withLock { counts.hostWaits += 1 } }
}
