import Foundation

/// A small seeded generator (SplitMix64): the same seed gives the same stream on every machine.
///
/// Initialisation, augmentation, shuffles and the synthetic set all draw from it (through
/// `CounterRandom` in the input stages), so its outputs must never change.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The golden-ratio step added to the state before each output.
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A stream for one named purpose ("conv1.weight"), independent of every other name.
    public init(seed: UInt64, stream name: String) {
        state = seed ^ FNV1a.hash(name)
    }

    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    /// The output function: a bijection of 64-bit values whose every output bit depends on
    /// every input bit.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Float in [0, 1) from the top 24 bits.
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// A standard normal value (Box-Muller), in Double so the tails are right.
    public mutating func nextNormal() -> Double {
        let u1 = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
