import Hashing

/// The random inputs, parameters and gradients of `conveyor check`, from a fixed seed per case
/// so that a failure repeats.
struct KernelCheckRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// The seed of a case from its name, so each case draws the same values on every run.
    init(name: String) { self.init(seed: FNV1a.hash(name)) }

    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextUnitFloat() }
    }

    mutating func int(below bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
}
