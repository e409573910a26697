import Foundation
import Plots
import XCTest

/// metrics.csv files a run never writes: too large (refused before reading), or rows that are
/// not rows (refused naming the line), and the parser's answers for odd cells (issue 27).
final class RunMetricsLimitTests: XCTestCase {
    func testAFileLargerThanTheLimitIsRefusedBeforeReading() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-limit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("metrics.csv")
        XCTAssertTrue(FileManager.default.createFile(atPath: file.path, contents: Data("epoch\n".utf8)))
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: UInt64(RunMetrics.maximumFileBytes + 1))   // sparse
        try handle.close()
        XCTAssertThrowsError(try RunMetrics.load(folder: folder.path)) { error in
            XCTAssertTrue("\(error)".contains("more than the \(RunMetrics.maximumFileBytes) a metrics.csv"), "\(error)")
        }
    }

    func testParseOfOddFiles() throws {
        let header = "epoch,train_loss,train_accuracy,val_loss,val_accuracy\n"
        XCTAssertThrowsError(try RunMetrics.parse(text: "", path: "m.csv", name: "r"))
        XCTAssertThrowsError(try RunMetrics.parse(text: header, path: "m.csv", name: "r"))
        XCTAssertThrowsError(try RunMetrics.parse(text: header + "1,2\n", path: "m.csv", name: "r")) { error in
            XCTAssertTrue("\(error)".contains("line 2 is not a metrics row"), "\(error)")
        }
        let metrics = try RunMetrics.parse(text: header + "1,0.5,x,,1e400\n", path: "m.csv", name: "r")
        XCTAssertEqual(metrics.epochs, [1])
        XCTAssertTrue(metrics.trainAccuracy[0].isNaN && metrics.validationLoss[0].isNaN)
    }
}
