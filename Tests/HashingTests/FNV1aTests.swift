import Hashing
import XCTest

/// Splits of image folders, cache names and tuning-cache fingerprints are functions of these values.
final class FNV1aTests: XCTestCase {
    func testPublishedValues() {
        XCTAssertEqual(FNV1a.hash(""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(FNV1a.hash("a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(FNV1a.hash("foobar"), 0x8594_4171_f739_67e8)
    }

    func testBytesAndTextAgree() {
        var hasher = FNV1a()
        hasher.combine(bytes: Array("foo".utf8))
        hasher.combine("bar")
        XCTAssertEqual(hasher.value, FNV1a.hash("foobar"))
    }

    /// The seed's bytes, least significant first, then the path: `HeldOutSplit`'s recorded value.
    func testLittleEndianSeedThenText() {
        var hasher = FNV1a()
        hasher.combine(littleEndian: 0x0123_4567_89AB_CDEF)
        hasher.combine("cat/001.jpg")
        XCTAssertEqual(hasher.value, 0x9ffe_9964_b58e_c3ee)
    }

    func testWordIsOneStep() {
        var hasher = FNV1a()
        hasher.combine(word: 0x1_0000_0001)
        XCTAssertEqual(hasher.value, (FNV1a.offsetBasis ^ 0x1_0000_0001) &* FNV1a.prime)
    }
}
