/// FNV-1a, 64 bits: a hash that is the same on every machine and in every process (Swift's own
/// `Hasher` is seeded per process). Held-out splits of image folders, the names of cached
/// imports, the kernel fingerprints of the tuning cache and the streams of `SplitMix64` are
/// functions of it, so its values must never change.
public struct FNV1a: Sendable {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x100_0000_01b3

    public private(set) var value: UInt64 = FNV1a.offsetBasis

    public init() {}

    public mutating func combine(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    public mutating func combine<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes { combine(byte: byte) }
    }

    /// The text's UTF-8 bytes.
    public mutating func combine(_ text: String) { combine(bytes: text.utf8) }

    /// The eight bytes of `number`, least significant first (the same on every machine).
    public mutating func combine(littleEndian number: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { combine(byte: UInt8(truncatingIfNeeded: number >> UInt64(shift))) }
    }

    /// A whole 64-bit word in one step rather than byte by byte: not FNV-1a proper, but a digest
    /// of many values (a golden test's batches) for an eighth of the multiplies.
    public mutating func combine(word: UInt64) {
        value = (value ^ word) &* Self.prime
    }

    /// The hash of the text's UTF-8 bytes.
    public static func hash(_ text: String) -> UInt64 {
        var hasher = FNV1a()
        hasher.combine(text)
        return hasher.value
    }
}
