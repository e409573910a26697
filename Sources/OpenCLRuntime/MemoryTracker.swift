import Foundation

/// Counts the device memory held by live buffers, and the peak since the last reset, so the
/// planner's arithmetic can be checked against what training really allocates.
public final class MemoryTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private var peakBytes = 0
    private var counts = 0

    public init() {}

    public var bytesInUse: Int { lock.withLock { current } }
    public var peak: Int { lock.withLock { peakBytes } }
    public var liveBuffers: Int { lock.withLock { counts } }

    public func resetPeak() { lock.withLock { peakBytes = current } }

    func allocated(_ bytes: Int) {
        lock.withLock {
            current += bytes
            counts += 1
            peakBytes = max(peakBytes, current)
        }
    }

    func released(_ bytes: Int) {
        lock.withLock {
            current -= bytes
            counts -= 1
        }
    }
}
