/// The dropout mask as a pure function of (seed, step, element index), shared by the
/// `Dropout` layer (which passes `key` and `threshold` to `Kernels/dropout.cl`) and the CPU
/// reference (which calls `keeps`). Both sides compute the same bits, so masks are
/// reproducible across devices and resumable from a checkpoint's step.
public enum DropoutMask {
    /// MurmurHash3's 32-bit finaliser, as `dropout_mix` in the kernel.
    @inline(__always)
    static func mix(_ value: UInt32) -> UInt32 {
        var x = value
        x ^= x >> 16
        x &*= 0x85EB_CA6B
        x ^= x >> 13
        x &*= 0xC2B2_AE35
        x ^= x >> 16
        return x
    }

    /// Folds the run's seed and the training step into the 32-bit key of one forward pass.
    public static func key(seed: UInt64, step: Int) -> UInt32 {
        let step = UInt64(bitPattern: Int64(step))
        var key = mix(UInt32(truncatingIfNeeded: seed) ^ 0x9E37_79B9)
        key = mix(key ^ UInt32(truncatingIfNeeded: seed >> 32))
        key = mix(key ^ UInt32(truncatingIfNeeded: step))
        key = mix(key ^ UInt32(truncatingIfNeeded: step >> 32))
        return key
    }

    /// Elements whose top 24 hash bits reach this value are kept: ceil(p * 2^24).
    public static func threshold(probability: Float) -> UInt32 {
        UInt32((Double(probability) * 16_777_216).rounded(.up))
    }

    /// The factor kept elements are multiplied by, 1 / (1 - p).
    public static func scale(probability: Float) -> Float { 1 / (1 - probability) }

    /// Whether element `index` of the batch is kept under `key`.
    public static func keeps(index: Int, key: UInt32, threshold: UInt32) -> Bool {
        let bits = mix(mix(UInt32(truncatingIfNeeded: index) ^ key) ^ key)
        return bits >> 8 >= threshold
    }
}
