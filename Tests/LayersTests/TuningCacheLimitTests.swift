import Foundation
@testable import Layers
import XCTest

/// Tuning caches a run never writes (issue 27): too large (ignored before reading) or with
/// entries no measurement gives (those entries are dropped, the rest kept).
final class TuningCacheLimitTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tuning-limit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testAFileLargerThanTheLimitIsIgnored() throws {
        let url = folder.appendingPathComponent("tuning.json")
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data("{".utf8)))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(TuningCache.maximumFileBytes + 1))
        try handle.close()
        let cache = TuningCache(url: url)
        XCTAssertTrue(cache.entries.isEmpty)
        XCTAssertTrue(cache.damaged?.contains("more than the \(TuningCache.maximumFileBytes)") == true, cache.damaged ?? "nil")
    }

    func testImplausibleEntriesAreDropped() throws {
        let url = folder.appendingPathComponent("tuning.json")
        func entry(_ budget: Int, _ ms: String = "1.5", _ probe: Int = 8) -> String {
            #"{"algorithm": "cpu-panels", "chunkBudgetBytes": \#(budget), "milliseconds": \#(ms), "ruleMilliseconds": 2, "probeBatch": \#(probe)}"#
        }
        let text = """
            {"version": 1, "machines": {"m": {"good": \(entry(1 << 20)), "negative": \(entry(-1)), "huge": \(entry(Int.max)),
             "probe0": \(entry(1 << 20, "1", 0)), "slow": \(entry(1 << 20, "-3"))}}}
            """
        try Data(text.utf8).write(to: url)
        let cache = TuningCache(url: url)
        XCTAssertEqual(Set(cache.entries["m"]?.keys ?? [:].keys), ["good"])
        XCTAssertTrue(cache.damaged?.contains("4 entries hold values no measurement gives") == true, cache.damaged ?? "nil")
    }
}
