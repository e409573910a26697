import Foundation
import HDF5
import XCTest

/// Files that claim more than they hold (issue 27): a dataset whose dataspace says more elements
/// than the file has bytes, or more than `HDF5ClaimLimits.maximumElements`, is refused before
/// anything is allocated for it.
final class HDF5ClaimLimitsTests: XCTestCase {
    /// An extent no other number in the file has, so that patching its bytes changes the shape alone.
    static let marker: UInt64 = 0x1234

    /// A file with one float dataset `/x` of `marker` elements, its extent bytes replaced by `claim`.
    static func craftedFile(claim: UInt64) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("claim-\(UUID().uuidString).h5").path
        let file = try HDF5File.create(at: path)
        try file.write([Float](repeating: 1, count: Int(marker)), shape: [Int(marker)], to: "/x")
        try file.close()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let from = withUnsafeBytes(of: marker.littleEndian, Array.init)
        let to = withUnsafeBytes(of: claim.littleEndian, Array.init)
        var patched = 0
        var index = 0
        while index + 8 <= bytes.count {
            if Array(bytes[index ..< index + 8]) == from {
                bytes.replaceSubrange(index ..< index + 8, with: to)
                patched += 1
                index += 8
            } else {
                index += 1
            }
        }
        precondition(patched > 0, "the extent was not found in the file")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testTheUnpatchedFileReads() throws {
        let path = try Self.craftedFile(claim: Self.marker)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try HDF5File.open(at: path).read(Float.self, from: "/x").values.count, Int(Self.marker))
    }

    func testMoreElementsThanTheFileHasBytesIsRefused() throws {
        // 16M floats are 64 MiB; the file is about 20 KiB.
        let path = try Self.craftedFile(claim: 1 << 24)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try HDF5File.open(at: path)
        XCTAssertThrowsError(try file.read(Float.self, from: "/x")) { error in
            XCTAssertTrue("\(error)".contains("more than the whole file holds"), "\(error)")
        }
    }

    func testMoreThanTheElementLimitIsRefused() throws {
        for claim in [UInt64(1) << 40, UInt64.max / 2, UInt64.max] {
            let path = try Self.craftedFile(claim: claim)
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard let file = try? HDF5File.open(at: path) else { continue }
            XCTAssertThrowsError(try file.read(Float.self, from: "/x"), "claim \(claim)")
            XCTAssertThrowsError(try file.shape(of: "/x"), "claim \(claim)")
        }
    }
}
