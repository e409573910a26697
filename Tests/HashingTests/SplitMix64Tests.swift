import Hashing
import XCTest

/// Initialisation, augmentation and shuffles draw from these streams; their values must never change.
final class SplitMix64Tests: XCTestCase {
    /// The reference implementation's first outputs for seed 0.
    func testPublishedValuesOfSeedZero() {
        var random = SplitMix64(seed: 0)
        XCTAssertEqual(random.next(), 0xe220_a839_7b1d_cdaf)
        XCTAssertEqual(random.next(), 0x6e78_9e6a_a1b9_65f4)
        XCTAssertEqual(random.next(), 0x06c4_5d18_8009_454f)
    }

    /// A named stream starts from the seed xor the name's FNV-1a hash (recorded values).
    func testNamedStream() {
        var random = SplitMix64(seed: 42, stream: "conv1.weight")
        XCTAssertEqual(random.state, 0x69a2_9a2c_ee47_d27e)
        XCTAssertEqual(random.next(), 0x0c39_9cb1_07c1_4f6d)
    }

    func testUnitFloatIsBelowOne() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<1000 {
            let value = random.nextUnitFloat()
            XCTAssert(value >= 0 && value < 1)
        }
    }
}
