/// Shape of the input stages: batch size, parallelism, queue capacities, order.
public struct InputStageSettings: Equatable, Sendable {
    public var batchSize: Int
    /// Threads running the augmenter.
    public var workers: Int
    /// Capacity of every queue, in batches.
    public var prefetch: Int
    /// A new seeded permutation every epoch; off for evaluation.
    public var shuffle: Bool
    /// Drop the last partial batch (training) or keep it (evaluation).
    public var dropLast: Bool
    /// Seed of the per-epoch permutation.
    public var seed: UInt64
    /// The part of each batch this process reads in a data-parallel run (`batchSize` is then
    /// the local batch).
    public var shard: DataShard = .whole

    public init(batchSize: Int, workers: Int = 2, prefetch: Int = 2, shuffle: Bool = true,
                dropLast: Bool = true, seed: UInt64 = 0) {
        self.batchSize = batchSize
        self.workers = workers
        self.prefetch = prefetch
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
    }

    /// Training: shuffled, last partial batch dropped.
    public static func training(batchSize: Int, workers: Int = 2, prefetch: Int = 2, seed: UInt64 = 0) -> InputStageSettings {
        InputStageSettings(batchSize: batchSize, workers: workers, prefetch: prefetch, shuffle: true, dropLast: true, seed: seed)
    }

    /// Evaluation: in order, last partial batch kept.
    public static func evaluation(batchSize: Int, workers: Int = 2, prefetch: Int = 2) -> InputStageSettings {
        InputStageSettings(batchSize: batchSize, workers: workers, prefetch: prefetch, shuffle: false, dropLast: false)
    }

    /// Batches between the read stage and the in-order hand-over of the pack stage: the read
    /// queue, one per worker, the augmented queue.
    var reorderWindow: Int { 2 * prefetch + workers }

    /// The most batches that exist at once, from the read stage up to the one the consumer
    /// holds: the reorder window, the pack stage's hand, the packed queue, the upload stage's
    /// hand, the output queue and the consumer's. The upload closure's device buffers must
    /// rotate over `prefetch + 2` (output queue, upload stage, consumer).
    public var maxBatchesInFlight: Int { reorderWindow + 1 + prefetch + 1 + prefetch + 1 }
}
