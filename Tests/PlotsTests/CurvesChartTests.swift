import FilterImages
import Foundation
import XCTest
@testable import Plots

final class CurvesChartTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func writeRun(_ name: String, _ csv: String) throws -> String {
        let run = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try csv.write(to: run.appendingPathComponent("metrics.csv"), atomically: true, encoding: .utf8)
        return run.path
    }

    static let header = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,images_per_second,seconds\n"

    func testReadsMetricsWithSkippedValidation() throws {
        let path = try writeRun("quick", Self.header + "1,2.1,0.2,,,0.1,900.0,1.00\n2,1.5,0.45,1.6,0.41,0.1,950.0,1.00\n")
        let run = try RunMetrics.load(folder: path)
        XCTAssertEqual(run.name, "quick")
        XCTAssertEqual(run.epochs, [1, 2])
        XCTAssertEqual(run.trainLoss, [2.1, 1.5])
        XCTAssertTrue(run.validationLoss[0].isNaN)
        XCTAssertEqual(run.validationAccuracy[1], 0.41)
    }

    func testChartIsAPictureOfTheAskedSize() throws {
        let a = try RunMetrics.load(folder: writeRun("a", Self.header + "1,2.0,0.3,1.9,0.32,0.1,1,1\n2,1.2,0.6,1.3,0.55,0.1,1,1\n"))
        let b = try RunMetrics.load(folder: writeRun("b", Self.header + "1,2.2,0.2,2.1,0.22,0.1,1,1\n"))
        let image = try CurvesChart.draw(runs: [a, b], width: 900, height: 500)
        let path = folder.appendingPathComponent("curves.png").path
        try image.write(to: path)
        let read = try PNGImage(contentsOf: path)
        XCTAssertEqual(read.width, 900)
        XCTAssertEqual(read.height, 500)
        XCTAssertEqual(read.channels, 3)
        // Both runs' colors appear (lines, markers and legend).
        for color in CurvesChart.palette.prefix(2) {
            let found = stride(from: 0, to: read.pixels.count, by: 3).contains {
                read.pixels[$0] == color.red && read.pixels[$0 + 1] == color.green && read.pixels[$0 + 2] == color.blue
            }
            XCTAssertTrue(found, "no pixel of \(color)")
        }
    }

    func testFolderWithoutMetricsIsRefused() throws {
        XCTAssertThrowsError(try RunMetrics.load(folder: folder.path)) { error in
            XCTAssertTrue("\(error)".contains("has no metrics.csv"), "\(error)")
        }
        XCTAssertThrowsError(try RunMetrics.load(folder: folder.appendingPathComponent("none").path)) { error in
            XCTAssertTrue("\(error)".contains("is not a folder"), "\(error)")
        }
        let empty = try writeRun("empty", Self.header)
        XCTAssertThrowsError(try RunMetrics.load(folder: empty)) { error in
            XCTAssertTrue("\(error)".contains("no rows yet"), "\(error)")
        }
    }

    func testTicksAreRound() {
        let ticks = AxisTicks(low: 0, high: 2.37)
        XCTAssertEqual(ticks.step, 0.5)
        XCTAssertEqual(ticks.values, [0, 0.5, 1, 1.5, 2, 2.5])
        XCTAssertEqual(ticks.label(1.5), "1.5")
        XCTAssertEqual(AxisTicks(low: 0, high: 30, count: 6).step, 5)
        XCTAssertEqual(AxisTicks(low: 3, high: 3).values.count > 1, true)
    }
}
