import Hashing

/// Which images of one folder are held out for validation (`data.validation_fraction`).
///
/// Each file decides alone, from a seeded 64-bit FNV-1a hash of its path relative to the folder:
/// adding or removing other images never moves a file between the splits, and the split does
/// not depend on the order files are listed in.
public struct HeldOutSplit: Equatable, Sendable {
    public var fraction: Double
    public var seed: UInt64

    public init(fraction: Double, seed: UInt64) {
        self.fraction = fraction
        self.seed = seed
    }

    /// FNV-1a over the seed's eight bytes (little-endian) and then the path's UTF-8 bytes.
    public static func hash(_ relativePath: String, seed: UInt64) -> UInt64 {
        var hasher = FNV1a()
        hasher.combine(littleEndian: seed)
        hasher.combine(relativePath)
        return hasher.value
    }

    public func isHeldOut(_ relativePath: String) -> Bool {
        // The top 53 bits as a uniform number in 0..<1.
        Double(Self.hash(relativePath, seed: seed) >> 11) / Double(1 << 53) < fraction
    }
}
