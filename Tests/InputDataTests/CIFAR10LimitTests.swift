import Foundation
@testable import InputData
import XCTest

/// A CIFAR-10 batch file of more records than `CIFAR10Loader.maximumRecordsPerFile` is refused
/// before its records are counted into per-sample arrays (issue 27). The file is sparse, so the
/// test writes a few bytes of a 3 GB file.
final class CIFAR10LimitTests: XCTestCase {
    func testAFileOfTooManyRecordsIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cifar-limit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("data_batch_1.bin")
        XCTAssertTrue(FileManager.default.createFile(atPath: file.path, contents: nil))
        let handle = try FileHandle(forWritingTo: file)
        let records = CIFAR10Loader.maximumRecordsPerFile + 1
        try handle.truncate(atOffset: UInt64(records * 3073))
        try handle.close()
        XCTAssertThrowsError(try CIFAR10Loader(folder: folder, split: "1")) { error in
            XCTAssertEqual(error as? DataError, .tooManyRecords(file: file.path, records: records))
            XCTAssertTrue("\(error)".contains("more than the 1000000 a CIFAR-10 batch file may hold"), "\(error)")
        }
    }
}
