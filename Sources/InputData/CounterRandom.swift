import Hashing

/// A random generator whose whole stream is a pure function of a key of up to four integers.
///
/// Every random choice in the input stages (shuffle, augmentation, synthetic images) is keyed by
/// (seed, epoch, sample index, purpose), never by a thread or by call order across samples, so
/// that results are the same whatever the number of workers. The stream is SplitMix64 over a
/// counter: output n is mix(key + n * golden ratio).
public struct CounterRandom: RandomNumberGenerator {
    private var stream: SplitMix64

    public init(_ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0, _ d: UInt64 = 0) {
        var key = SplitMix64.mix(a ^ 0x243F_6A88_85A3_08D3)
        key = SplitMix64.mix(key ^ b)
        key = SplitMix64.mix(key ^ c)
        key = SplitMix64.mix(key ^ d)
        stream = SplitMix64(seed: key)
    }

    public mutating func next() -> UInt64 { stream.next() }

    /// A value in `0..<bound` (the modulo bias is below 2^-50 for the small bounds used here).
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// A value in `range`.
    public mutating func inRange(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A value in `[0, 1)`.
    public mutating func unit() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }


    /// Purposes, so that two uses of the same (seed, epoch, index) draw unrelated streams.
    enum Purpose: UInt64 {
        case shuffle = 0x5348_5546
        case augment = 0x4155_474D
        case synthetic = 0x5359_4E54
    }
}
