import Foundation

/// Reuses batch-sized arrays between epochs and batches, so that steady state allocates nothing.
/// Bounded by the number of batches in flight, which the queues bound.
final class StagingBufferPool<Scalar: Numeric>: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [[Scalar]] = []
    let size: Int
    let limit: Int

    init(size: Int, limit: Int) {
        self.size = size
        self.limit = limit
    }

    /// An array of `count` elements; from the pool when `count` is the pooled size. Contents are stale.
    func take(count: Int) -> [Scalar] {
        guard count == size else { return [Scalar](repeating: 0, count: count) }
        lock.lock()
        let buffer = free.popLast()
        lock.unlock()
        return buffer ?? [Scalar](repeating: 0, count: size)
    }

    func give(_ buffer: [Scalar]) {
        guard buffer.count == size else { return }
        lock.lock()
        if free.count < limit { free.append(buffer) }
        lock.unlock()
    }
}
