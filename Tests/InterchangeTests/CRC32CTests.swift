import Foundation
import XCTest
@testable import Interchange

final class CRC32CTests: XCTestCase {
    /// The check value of CRC-32C (RFC 3720, appendix B.4, and every CRC catalogue).
    func testKnownAnswer() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    /// TensorFlow's mask: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
    func testMask() {
        let crc: UInt32 = 0xE306_9283
        XCTAssertEqual(CRC32C.masked(Array("123456789".utf8)), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    func testFramingRoundTripAndCorruption() throws {
        let payloads = [Data("first".utf8), Data(), Data((0..<300).map { UInt8($0 % 256) })]
        var file = Data()
        for payload in payloads { file.append(TFRecord.frame(payload)) }
        XCTAssertEqual(try TFRecord.records(in: file), payloads)
        XCTAssertEqual(file.count, payloads.reduce(0) { $0 + $1.count + 16 })

        var flipped = file
        flipped[14] ^= 1  // a byte of the first record's data
        XCTAssertThrowsError(try TFRecord.records(in: flipped)) { error in
            XCTAssertTrue("\(error)".contains("data's CRC"), "\(error)")
        }
        XCTAssertThrowsError(try TFRecord.records(in: file.prefix(file.count - 3))) { error in
            XCTAssertTrue("\(error)".contains("cut short"), "\(error)")
        }
    }
}
