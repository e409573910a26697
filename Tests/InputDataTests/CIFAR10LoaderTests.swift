@testable import InputData
import Foundation
import XCTest

final class CIFAR10LoaderTests: XCTestCase {
    func testLoadsSplitsInFileOrder() throws {
        let folder = try CIFAR10Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CIFAR10Fixture.writeFolder(folder, records: 4)
        let train = try CIFAR10Loader(folder: folder, split: "1-4")
        XCTAssertEqual(train.count, 16)
        XCTAssertEqual(train.classNames.first, "airplane")
        // Sample 5 is record 1 of data_batch_2.bin (file 1).
        XCTAssertEqual(train.label(at: 5), 2)
        XCTAssertEqual([UInt8(train.label(at: 5))] + train.pixels(at: 5), CIFAR10Fixture.record(label: 2, file: 1, record: 1))
        let validation = try CIFAR10Loader(folder: folder, split: .batches([5]))
        XCTAssertEqual(validation.count, 4)
        XCTAssertEqual(try CIFAR10Loader(folder: folder, split: .test).pixels(at: 3),
                       Array(CIFAR10Fixture.record(label: 0, file: 5, record: 3).dropFirst()))
    }

    func testTruncatedFileIsNamed() throws {
        let folder = try CIFAR10Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CIFAR10Fixture.writeFolder(folder)
        let file = folder.appendingPathComponent("data_batch_2.bin")
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count - 100).write(to: file)
        XCTAssertThrowsError(try CIFAR10Loader(folder: folder, split: .batches([1, 2]))) { error in
            XCTAssertEqual(error as? DataError, .truncatedFile(file: file.path, bytes: 3 * 3073 - 100))
            let text = "\(error)"
            XCTAssertTrue(text.contains("data_batch_2.bin") && text.contains("9119 bytes") && text.contains("truncated"), text)
        }
    }

    func testLabelOfTenIsNamedWithRecord() throws {
        let folder = try CIFAR10Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CIFAR10Fixture.writeFolder(folder)
        let file = folder.appendingPathComponent("test_batch.bin")
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[2 * 3073] = 12
        try Data(bytes).write(to: file)
        XCTAssertThrowsError(try CIFAR10Loader(folder: folder, split: .test)) { error in
            XCTAssertEqual(error as? DataError, .labelOutOfRange(file: file.path, record: 2, value: 12))
            XCTAssertTrue("\(error)".contains("record 2 has label 12"), "\(error)")
        }
    }

    func testMissingFileListsNamesAndCommand() throws {
        let folder = try CIFAR10Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertThrowsError(try CIFAR10Loader(folder: folder, split: "1-4")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("missing data_batch_1.bin, data_batch_2.bin"), text)
            for name in CIFAR10Split.allFileNames { XCTAssertTrue(text.contains(name), name) }
            XCTAssertTrue(text.contains("conveyor data cifar10 --to"), text)
        }
    }

    func testSplitParsing() throws {
        XCTAssertEqual(try CIFAR10Split(parsing: "1-4"), .batches([1, 2, 3, 4]))
        XCTAssertEqual(try CIFAR10Split(parsing: "5"), .batches([5]))
        XCTAssertEqual(try CIFAR10Split(parsing: "1,3"), .batches([1, 3]))
        XCTAssertEqual(try CIFAR10Split(parsing: "test"), .test)
        XCTAssertThrowsError(try CIFAR10Split(parsing: "0-6"))
        XCTAssertThrowsError(try CIFAR10Split(parsing: "x"))
    }
}
