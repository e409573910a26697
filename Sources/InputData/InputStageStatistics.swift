import Foundation

/// Where an epoch's time went, for `--verbose`: each stage's busy time, the consumer's wait, queue occupancy.
public struct InputStageStatistics: Sendable, CustomStringConvertible {
    public struct Stage: Equatable, Sendable {
        public var name: String
        public var threads: Int
        /// Seconds spent working (not waiting on a queue), summed over the stage's threads.
        public var busySeconds: Double
    }

    public var epoch: Int
    public var batches = 0
    public var images = 0
    public var wallSeconds: Double = 0
    /// Seconds the consumer spent inside `next()` waiting for a batch.
    public var consumerWaitSeconds: Double = 0
    /// The most batches that existed at once, from the read stage to the consumer.
    public var maxBatchesInFlight = 0
    public var stages: [Stage] = []
    public var queues: [QueueStatistics] = []

    public var imagesPerSecond: Double { wallSeconds > 0 ? Double(images) / wallSeconds : 0 }

    public var description: String {
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        var lines = ["input epoch \(epoch): \(batches) batches, \(images) images in \(f(wallSeconds))s "
            + "(\(Int(imagesPerSecond)) images/s), consumer waited \(f(consumerWaitSeconds))s, "
            + "max \(maxBatchesInFlight) batches in flight"]
        lines.append("  busy: " + stages.map { "\($0.name) \(f($0.busySeconds))s" + ($0.threads > 1 ? " (\($0.threads) threads)" : "") }
            .joined(separator: ", "))
        lines.append("  queues: " + queues.map { "\($0.name) mean \(f($0.meanOccupancy, 1)) max \($0.maxOccupancy)/\($0.capacity)" }
            .joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
