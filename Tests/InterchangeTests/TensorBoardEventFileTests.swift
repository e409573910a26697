import Foundation
import XCTest
@testable import Interchange

final class TensorBoardEventFileTests: XCTestCase {
    func testScalarsAndImageReadBack() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try TensorBoardEventFile(folder: folder)
        try file.addScalars([("loss/train", 1.5), ("accuracy/train", 0.25)], step: 1)
        try file.addImage(tag: "filters", png: [1, 2, 3], width: 4, height: 5, channels: 3, step: 2)
        let second = try TensorBoardEventFile(folder: folder, time: Date(timeIntervalSince1970: 1000))
        try second.addSessionStart(step: 2)
        XCTAssertNotEqual(second.url, file.url, "a second file never overwrites the first")
        XCTAssertEqual(TensorBoardEventFile.files(in: folder), [file.url, second.url], "a later file sorts later, whatever the clock says")
        let restart = try TensorBoardEventFile.events(in: second.url)
        XCTAssertEqual(restart.count, 2)
        guard case .sessionLog(let log)? = restart[1].what else { return XCTFail("no session log: \(restart[1])") }
        XCTAssertEqual(log.status, .start)
        XCTAssertEqual(restart[1].step, 2)
        XCTAssertTrue(file.url.lastPathComponent.hasPrefix("events.out.tfevents."))

        // Every record's CRCs hold (records(in:) checks them) and the events are as written.
        let events = try TensorBoardEventFile.events(in: file.url)
        XCTAssertEqual(events.count, 3)
        XCTAssertEqual(events[0].fileVersion, "brain.Event:2")
        XCTAssertEqual(events[1].step, 1)
        XCTAssertEqual(events[1].summary.value.map(\.tag), ["loss/train", "accuracy/train"])
        XCTAssertEqual(events[1].summary.value.map(\.simpleValue), [1.5, 0.25])
        XCTAssertEqual(events[2].summary.value[0].image.encodedImageString, Data([1, 2, 3]))
        XCTAssertEqual(events[2].summary.value[0].image.width, 4)

        // A record cut short by a kill: an error, or skipped when asked to tolerate it.
        let bytes = try Data(contentsOf: file.url)
        try bytes.prefix(bytes.count - 5).write(to: file.url)
        XCTAssertThrowsError(try TensorBoardEventFile.events(in: file.url))
        XCTAssertEqual(try TensorBoardEventFile.events(in: file.url, tolerateCutTail: true).count, 2)
    }
}
