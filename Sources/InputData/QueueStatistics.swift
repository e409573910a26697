/// How full one queue was over an epoch: near capacity means its consumer is the bottleneck, near 0 its producer.
public struct QueueStatistics: Equatable, Sendable {
    public var name: String
    public var capacity: Int
    /// Time-weighted mean number of elements waiting.
    public var meanOccupancy: Double
    public var maxOccupancy: Int
    public var puts: Int
}
