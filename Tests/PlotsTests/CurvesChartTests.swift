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
        let path = folder.appendingPathComponent("curves.png").path
        try CurvesChart.draw(runs: [a, b], width: 900, height: 500, format: .png).write(to: path)
        let read = try PNGImage(contentsOf: path)
        XCTAssertEqual(read.width, 900)
        XCTAssertEqual(read.height, 500)
        XCTAssertEqual(read.channels, 3)
        // Both runs' colors appear (their legend swatches are filled with the exact color).
        for color in PlotColor.palette.prefix(2) {
            var found = false
            for start in stride(from: 0, to: read.pixels.count, by: 3) where read.pixels[start] == color.red {
                if read.pixels[start + 1] == color.green && read.pixels[start + 2] == color.blue {
                    found = true
                    break
                }
            }
            XCTAssertTrue(found, "no pixel of \(color)")
        }
        // Antialiased: the lines' edges blend into the background, so there are many more
        // distinct colors than the palette, grid and text colors.
        var colors = Set<Int>()
        for start in stride(from: 0, to: read.pixels.count, by: 3) {
            colors.insert(Int(read.pixels[start]) << 16 | Int(read.pixels[start + 1]) << 8 | Int(read.pixels[start + 2]))
        }
        XCTAssertGreaterThan(colors.count, 100)
    }

    func testSVGIsAnSVGDocumentOfTheAskedSize() throws {
        let a = try RunMetrics.load(folder: writeRun("a", Self.header + "1,2.0,0.3,1.9,0.32,0.1,1,1\n"))
        let svg = String(decoding: try CurvesChart.draw(runs: [a], width: 800, height: 400, format: .svg).encoded(), as: UTF8.self)
        XCTAssertTrue(svg.contains("<svg"), svg)
        XCTAssertTrue(svg.contains("width=\"800"), String(svg.prefix(400)))
        XCTAssertTrue(svg.contains("</svg>"))
    }

    func testFormatComesFromTheExtension() throws {
        XCTAssertEqual(try PlotFormat(path: "a/curves.PNG"), .png)
        XCTAssertEqual(try PlotFormat(path: "curves.svg"), .svg)
        XCTAssertThrowsError(try PlotFormat(path: "curves.jpg")) { error in
            XCTAssertTrue("\(error)".contains("must end in .png or .svg"), "\(error)")
        }
    }

    /// A run folder named in any script is labelled by its name: the font has a glyph for
    /// every character (glyph 0 is the "missing" box), so `straße` is not drawn as boxes or
    /// upper-cased into another word.
    func testUnicodeRunNamesHaveGlyphs() throws {
        let run = try RunMetrics.load(folder: writeRun("straße", Self.header + "1,2.0,0.3,1.9,0.32,0.1,1,1\n"))
        XCTAssertEqual(run.name, "straße")
        let canvas = try CairoCanvas(width: 10, height: 10, format: .png)
        let glyphs = canvas.glyphIndices("straße")
        XCTAssertEqual(glyphs.count, 6)
        XCTAssertFalse(glyphs.contains(0), "\(glyphs)")
        XCTAssertNotEqual(canvas.glyphIndices("ß"), canvas.glyphIndices("B"))
        // Drawn, the two names differ.
        let other = try RunMetrics.load(folder: writeRun("strasse", Self.header + "1,2.0,0.3,1.9,0.32,0.1,1,1\n"))
        let first = try CurvesChart.draw(runs: [run], width: 600, height: 300, format: .png).encoded()
        let second = try CurvesChart.draw(runs: [other], width: 600, height: 300, format: .png).encoded()
        XCTAssertNotEqual(first, second)
    }

    func testDivergedAndSingleEpochRunsDraw() throws {
        let diverged = try RunMetrics.load(folder: writeRun("nan", Self.header + "1,2.0,0.3,1.9,0.32,0.1,1,1\n2,nan,0.1,,,0.1,1,1\n"))
        XCTAssertTrue(diverged.trainLoss[1].isNaN)
        let one = try RunMetrics.load(folder: writeRun("one", Self.header + "1,2.0,0.3,,,0.1,1,1\n"))
        for format in PlotFormat.allCases {
            XCTAssertFalse(try CurvesChart.draw(runs: [diverged, one], panels: [.loss, .accuracy, .learningRate, .epochSeconds],
                                                width: 1200, height: 500, format: format).encoded().isEmpty)
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
