import Foundation
import InputData
import XCTest

final class CIFAR100LoaderTests: XCTestCase {
    func testFineAndCoarseLabelsAndNames() throws {
        let folder = try CIFAR10Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var bytes: [UInt8] = []
        for record in 0..<5 {
            bytes += [UInt8(record % 20), UInt8(90 + record)] + (0..<3072).map { UInt8(truncatingIfNeeded: $0 &+ record) }
        }
        try Data(bytes).write(to: folder.appendingPathComponent("train.bin"))
        try (0..<20).map { "super\($0)" }.joined(separator: "\n").write(to: folder.appendingPathComponent("coarse_label_names.txt"),
                                                                         atomically: true, encoding: .utf8)
        let fine = try CIFAR100Loader(folder: folder, fileName: "train.bin", labels: .fine)
        XCTAssertEqual(fine.count, 5)
        XCTAssertEqual((0..<5).map(fine.label(at:)), [90, 91, 92, 93, 94])
        XCTAssertEqual(fine.classNames.count, 100)
        XCTAssertEqual(fine.classNames[3], "class 3", "numbered without fine_label_names.txt")
        XCTAssertEqual(fine.pixels(at: 2)[0..<3], [2, 3, 4])
        let coarse = try CIFAR100Loader(folder: folder, fileName: "train.bin", labels: .coarse)
        XCTAssertEqual((0..<5).map(coarse.label(at:)), [0, 1, 2, 3, 4])
        XCTAssertEqual(coarse.classNames[4], "super4")

        try Data(bytes.dropLast(10)).write(to: folder.appendingPathComponent("cut.bin"))
        XCTAssertThrowsError(try CIFAR100Loader(folder: folder, fileName: "cut.bin", labels: .fine)) {
            XCTAssertTrue("\($0)".contains("not a multiple of the 3074-byte"), "\($0)")
        }
        bytes[1] = 100
        try Data(bytes).write(to: folder.appendingPathComponent("bad.bin"))
        XCTAssertThrowsError(try CIFAR100Loader(folder: folder, fileName: "bad.bin", labels: .fine)) {
            XCTAssertTrue("\($0)".contains("fine label 100"), "\($0)")
        }
    }
}
