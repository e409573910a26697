/// A device buffer described before it is allocated: what it holds, how many elements, of what size.
///
/// Every stage that allocates device memory (layers, the network's activations, the optimizer's
/// momentum, input slots, loss outputs) lists its buffers as requests and allocates them with
/// `ComputeContext.buffer(for:)`, so the memory plan, which adds up the same requests, cannot
/// drift from what training really holds.
public struct BufferRequest: Sendable, Hashable, Encodable {
    public let label: String
    public let count: Int
    public let elementSize: Int

    public init<T>(_ type: T.Type, count: Int, label: String) {
        self.label = label
        self.count = count
        self.elementSize = MemoryLayout<T>.stride
    }

    /// Bytes the allocation takes (`DeviceBuffer` allocates at least one element).
    public var bytes: Int { max(count, 1) * elementSize }
}

extension Array where Element == BufferRequest {
    public var totalBytes: Int { reduce(0) { $0 + $1.bytes } }
    public var largestBytes: Int { map(\.bytes).max() ?? 0 }
}

extension ComputeContext {
    /// Allocates the buffer `request` describes.
    public func buffer<T>(_ type: T.Type = T.self, for request: BufferRequest) throws -> DeviceBuffer<T> {
        precondition(request.elementSize == MemoryLayout<T>.stride, "\(request.label): element size does not match \(T.self)")
        return try buffer(T.self, count: request.count, label: request.label)
    }
}
