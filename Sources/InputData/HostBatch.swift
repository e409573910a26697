/// One batch in host memory, ready for upload: images are Float32 NCHW, `count` x 3 x 32 x 32.
public struct HostBatch: Sendable {
    public let epoch: Int
    /// Position of the batch in its epoch, from 0.
    public let index: Int
    /// Samples in the batch (smaller than the batch size only for a kept last batch).
    public let count: Int
    public var images: [Float]
    public var labels: [Int32]
    /// Indices of the samples in the data source, in batch order.
    public var sampleIndices: [Int]
}
