/// CPU reference for inverted dropout, with the mask of `DropoutMask`.
public enum DropoutReference {
    /// 1 where element i of the batch is kept, 0 where it is dropped.
    public static func mask(count: Int, seed: UInt64, step: Int, probability: Float) -> [Bool] {
        let key = DropoutMask.key(seed: seed, step: step)
        let threshold = DropoutMask.threshold(probability: probability)
        return (0..<count).map { DropoutMask.keeps(index: $0, key: key, threshold: threshold) }
    }

    /// Training forward (and, applied to dy, backward): kept values times 1/(1 - p), the rest 0.
    public static func apply(_ values: [Float], mask: [Bool], probability: Float) -> [Float] {
        let scale = DropoutMask.scale(probability: probability)
        return zip(values, mask).map { $1 ? $0 * scale : 0 }
    }
}
