import Foundation
import HDF5
import XCTest

final class HDF5FileTests: XCTestCase {
    func testDatasetsAttributesGroupsAndErrors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("h5-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try HDF5File.create(at: path)
        try file.write([Int32](1...6), shape: [2, 3], to: "/a/b/ints")
        try file.write([UInt8](0...3), shape: [4], to: "/bytes")
        try file.write([Int64(-5)], shape: [], to: "/scalar")
        try file.write([Float](), shape: [0, 3], to: "/empty")
        try file.createGroup("/z/y")
        try file.setAttribute("text", .string("héllo"), on: "/a/b/ints")
        try file.setAttribute("fixed", .fixedString("abc"), on: "/a")
        try file.setAttribute("pi", .double(3.25))
        try file.setAttribute("pi", .int64(3))   // replaces
        XCTAssertThrowsError(try file.write([Float](repeating: 0, count: 5), shape: [2, 3], to: "/bad"))
        try file.close()

        let reader = try HDF5File.open(at: path)
        XCTAssertEqual(try reader.children(), ["a", "bytes", "empty", "scalar", "z"])
        XCTAssertEqual(try reader.kind(of: "/a/b"), .group)
        XCTAssertEqual(try reader.kind(of: "/a/b/ints"), .dataset)
        XCTAssertEqual(try reader.kind(of: "/nothing/here"), nil)
        XCTAssertTrue(try reader.exists("/z/y"))
        let ints = try reader.read(Int32.self, from: "/a/b/ints")
        XCTAssertEqual(ints.values, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(ints.shape, [2, 3])
        XCTAssertEqual(try reader.read(Int64.self, from: "/a/b/ints").values, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try reader.read(UInt8.self, from: "/bytes").values, [0, 1, 2, 3])
        XCTAssertEqual(try reader.read(Int64.self, from: "/scalar").shape, [])
        XCTAssertEqual(try reader.read(Float.self, from: "/empty").shape, [0, 3])
        XCTAssertEqual(try reader.attribute("text", of: "/a/b/ints"), .string("héllo"))
        XCTAssertEqual(try reader.attribute("fixed", of: "/a"), .fixedString("abc"))
        XCTAssertEqual(try reader.attribute("pi"), .int64(3))
        XCTAssertEqual(try reader.attribute("absent"), nil)
        XCTAssertEqual(try reader.attributeNames(), ["pi"])
        // A float read of integers is refused; a missing dataset names the call and the object.
        XCTAssertThrowsError(try reader.read(Float.self, from: "/bytes"))
        XCTAssertThrowsError(try reader.read(Float.self, from: "/missing")) { error in
            let error = error as? HDF5Error
            XCTAssertEqual(error?.call, "H5Dopen2")
            XCTAssertEqual(error?.object, "/missing")
        }
    }
}
