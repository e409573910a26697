import Dispatch
import Foundation

/// A first-in first-out queue of fixed capacity between input stages.
///
/// `put` blocks while the queue is full, so memory is bounded by the capacity, never grows.
/// `close()` lets consumers drain what is left and then see `nil`; `fail(_:)` and `cancel()` wake
/// every waiting producer and consumer at once, and from then on both see the error.
public final class BoundedQueue<Element>: @unchecked Sendable {
    public let name: String
    public let capacity: Int
    private let condition = NSCondition()
    private var slots: [Element?]
    private var head = 0
    private var stored = 0
    private var closed = false
    private var failure: Error?
    // Occupancy, integrated over time for the mean.
    private var maxOccupancy = 0
    private var occupancyTime: Double = 0
    private var lastChange: UInt64
    private let created: UInt64
    private var puts = 0

    public init(name: String = "queue", capacity: Int) {
        precondition(capacity > 0, "a queue needs room for at least one element")
        self.name = name
        self.capacity = capacity
        slots = Array(repeating: nil, count: capacity)
        created = DispatchTime.now().uptimeNanoseconds
        lastChange = created
    }

    /// Appends `element`, waiting while the queue is full; throws the failure, or `QueueClosedError` after `close()`.
    public func put(_ element: Element) throws {
        condition.lock()
        defer { condition.unlock() }
        while stored == capacity && failure == nil && !closed { condition.wait() }
        if let failure { throw failure }
        if closed { throw QueueClosedError(queue: name) }
        recordChange()
        slots[(head + stored) % capacity] = element
        stored += 1
        puts += 1
        maxOccupancy = max(maxOccupancy, stored)
        condition.broadcast()
    }

    /// Removes the oldest element, waiting while the queue is empty; `nil` once closed and drained.
    public func take() throws -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while stored == 0 && failure == nil && !closed { condition.wait() }
        if let failure { throw failure }
        if stored == 0 { return nil }
        recordChange()
        let element = slots[head]
        slots[head] = nil
        head = (head + 1) % capacity
        stored -= 1
        condition.broadcast()
        return element
    }

    /// No more elements will come; consumers drain the rest, then get `nil`.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Wakes everyone; every later `put` and `take` throws `error` (the first failure is kept).
    public func fail(_ error: Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    public func cancel() { fail(CancellationError()) }

    public var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return stored
    }

    public var statistics: QueueStatistics {
        condition.lock()
        defer { condition.unlock() }
        let now = DispatchTime.now().uptimeNanoseconds
        let total = Double(now - created)
        let integral = occupancyTime + Double(stored) * Double(now - lastChange)
        return QueueStatistics(name: name, capacity: capacity, meanOccupancy: total > 0 ? integral / total : 0,
                               maxOccupancy: maxOccupancy, puts: puts)
    }

    private func recordChange() {
        let now = DispatchTime.now().uptimeNanoseconds
        occupancyTime += Double(stored) * Double(now - lastChange)
        lastChange = now
    }
}

/// `put` on a queue after `close()`: a stage produced after it said it was done.
public struct QueueClosedError: Error, CustomStringConvertible {
    public let queue: String
    public var description: String { "put on closed queue '\(queue)'" }
}
