import Foundation
@testable import HDF5
import XCTest

/// Global heap collections libhdf5 1.10 cannot read safely, both found by `scripts/fuzz
/// checkpoint` within minutes (the inputs are kept as Fuzz/corpus/checkpoint/regression-*): a
/// free-space object of size 0 (H5HG loops forever) and an object larger than its collection
/// (H5HG_read copies past its buffer). Such files are refused before HDF5 opens them.
final class HDF5GlobalHeapCheckTests: XCTestCase {
    func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("gcol-\(UUID().uuidString).h5").path
    }

    /// A file with a variable-length string attribute, so that it has a global heap collection.
    func fileWithStrings(at path: String) throws -> [UInt8] {
        let file = try HDF5File.create(at: path)
        try file.setAttribute("config", .string("name: gcol\n"))
        try file.setAttribute("layers", .strings(["conv1", "fc1"]))
        try file.close()
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func testTheFreeSpaceObjectOfSizeZeroIsRefusedBeforeHDF5ReadsIt() throws {
        let path = path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = try fileWithStrings(at: path)
        XCTAssertNil(bytes.withUnsafeBytes { HDF5GlobalHeapCheck.stuckCollection(in: $0) }, "a file HDF5 wrote passes")
        XCTAssertEqual(try HDF5File.open(at: path).attribute("config"), .string("name: gcol\n"))

        // Walk the collection as libhdf5 does and give its free-space object (index 0) size 0.
        let start = try XCTUnwrap((0..<bytes.count - 4).first { Array(bytes[$0 ..< $0 + 4]) == Array("GCOL".utf8) })
        var p = start + 16
        while bytes[p] != 0 || bytes[p + 1] != 0 {
            let size = (0..<8).reduce(0) { $0 | Int(bytes[p + 8 + $1]) << (8 * $1) }
            p += 16 + (size + 7) / 8 * 8
        }
        for index in 0..<8 { bytes[p + 8 + index] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        XCTAssertEqual(bytes.withUnsafeBytes { HDF5GlobalHeapCheck.stuckCollection(in: $0) }, start)
        XCTAssertThrowsError(try HDF5File.open(at: path)) { error in
            XCTAssertTrue("\(error)".contains("global heap collection at byte \(start)"), "\(error)")
        }
    }

    func testAnObjectLargerThanItsCollectionIsRefused() throws {
        let path = path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = try fileWithStrings(at: path)
        let start = try XCTUnwrap((0..<bytes.count - 4).first { Array(bytes[$0 ..< $0 + 4]) == Array("GCOL".utf8) })
        // The first object's size, 8 GiB: H5HG_read would copy that much out of a 4 KiB collection.
        let huge = withUnsafeBytes(of: (UInt64(1) << 33).littleEndian, Array.init)
        bytes.replaceSubrange(start + 16 + 8 ..< start + 16 + 16, with: huge)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try HDF5File.open(at: path)) { error in
            XCTAssertTrue("\(error)".contains("one larger than the collection"), "\(error)")
        }
    }

    /// A free-space object of size 2^64 - 1 (found by the fuzzer after the two above were fixed):
    /// libhdf5 adds it to its pointer, which wraps round to just before the object, and the walk
    /// never ends.
    func testAFreeSpaceObjectPastTheCollectionIsRefused() throws {
        let path = path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = try fileWithStrings(at: path)
        let start = try XCTUnwrap((0..<bytes.count - 4).first { Array(bytes[$0 ..< $0 + 4]) == Array("GCOL".utf8) })
        var p = start + 16
        while bytes[p] != 0 || bytes[p + 1] != 0 {
            let size = (0..<8).reduce(0) { $0 | Int(bytes[p + 8 + $1]) << (8 * $1) }
            p += 16 + (size + 7) / 8 * 8
        }
        for index in 0..<8 { bytes[p + 8 + index] = 0xff }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(bytes.withUnsafeBytes { HDF5GlobalHeapCheck.stuckCollection(in: $0) }, start)
        XCTAssertThrowsError(try HDF5File.open(at: path)) { error in
            XCTAssertTrue("\(error)".contains("global heap collection at byte \(start)"), "\(error)")
        }
    }

    func testGCOLInDataThatIsNoCollectionPasses() throws {
        let path = path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try HDF5File.create(at: path)
        try file.write(Array("GCOL GCOL\u{2}GCOL".utf8), shape: [14], to: "/text")
        try file.close()
        XCTAssertEqual(try HDF5File.open(at: path).read(UInt8.self, from: "/text").values.count, 14)
    }
}
