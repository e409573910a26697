@testable import InputData
import Foundation
import XCTest

final class CIFAR10DownloadTests: XCTestCase {
    func testFetchFromLocalArchiveExtractsAndLoadsWithWarning() throws {
        let scratch = try CIFAR10Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let archive = scratch.appendingPathComponent("small.tar.gz")
        try CIFAR10Fixture.writeArchive(archive, records: 5)
        let folder = scratch.appendingPathComponent("data/cifar-10-batches-bin")
        var messages: [String] = []
        let files = try CIFAR10Download.fetch(to: folder, from: archive) { messages.append($0) }
        XCTAssertEqual(Set(files), Set(CIFAR10Split.allFileNames))
        XCTAssertTrue(messages.contains { $0.hasPrefix("warning:") && $0.contains("MD5") }, "\(messages)")
        let train = try CIFAR10Loader(folder: folder, split: "1-4")
        XCTAssertEqual(train.count, 20)
        XCTAssertEqual(train.pixels(at: 6), Array(CIFAR10Fixture.record(label: 0, file: 1, record: 1).dropFirst()))
        // No scratch folders left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }, [])
    }

    func testArchiveWithoutTheFolderIsAnExtractionError() throws {
        let scratch = try CIFAR10Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let archive = scratch.appendingPathComponent("bad.tar.gz")
        try Data("not a tar".utf8).write(to: archive)
        XCTAssertThrowsError(try CIFAR10Download.fetch(to: scratch.appendingPathComponent("out"), from: archive)) { error in
            guard case .extractionFailed = error as? DataError else { return XCTFail("\(error)") }
        }
    }
}
