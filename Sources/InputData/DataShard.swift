/// Which part of every batch one rank of a data-parallel run reads.
///
/// Training: the data order is that of the global batch (`batchSize * ranks` images, drawn
/// from the seeded permutation exactly as one process would draw it); rank r takes the r-th
/// contiguous share. So a run's order depends on the global batch, not on the number of ranks.
/// Evaluation: whole batches of `batchSize`, round robin (batch b goes to rank b % ranks), so
/// that every image is evaluated once and the sums of the ranks equal those of one process.
public struct DataShard: Equatable, Sendable {
    public let rank: Int
    public let ranks: Int

    public init(rank: Int, ranks: Int) {
        precondition(ranks >= 1 && (0..<ranks).contains(rank), "rank \(rank) of \(ranks)")
        self.rank = rank
        self.ranks = ranks
    }

    /// One process reads everything.
    public static let whole = DataShard(rank: 0, ranks: 1)

    public var isWhole: Bool { ranks == 1 }

    /// The positions in the epoch's order of this rank's local batch `index`, or nil past the end.
    /// `batchSize` is the local batch.
    func positions(ofBatch index: Int, batchSize: Int, samples: Int, dropLast: Bool) -> Range<Int>? {
        if dropLast {
            let global = batchSize * ranks
            let lower = index * global + rank * batchSize
            return (index + 1) * global <= samples ? lower..<(lower + batchSize) : nil
        }
        let lower = (index * ranks + rank) * batchSize
        return lower < samples ? lower..<min(samples, lower + batchSize) : nil
    }

    /// This rank's batches per epoch.
    func batchCount(samples: Int, batchSize: Int, dropLast: Bool) -> Int {
        if dropLast { return samples / (batchSize * ranks) }
        let batches = (samples + batchSize - 1) / batchSize
        return batches / ranks + (rank < batches % ranks ? 1 : 0)
    }
}
