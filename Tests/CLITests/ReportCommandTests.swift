import Foundation
import XCTest

/// `conveyor report` of real (tiny) runs: one epoch under a non-ASCII name, no validation
/// split, a diverged epoch, no metrics.csv, and several runs at once; its figures agree with
/// `conveyor evaluate`, and the page loads in headless Chromium where it is installed.
final class ReportCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
        name: straße
        data: {source: synthetic, synthetic_train: 320, synthetic_validation: 96}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
          - relu
          - maxpool: {size: 2}
          - global_avgpool
          - fc: {outputs: 10}
        optimizer: {lr: 0.05, momentum: 0.9}
        train: {epochs: 1, batch: 32, seed: 3}
        checkpoint: {folder: runs, interval: 1, keep: 1}
        """.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func run(_ arguments: [String]) throws -> ConveyorProcess.Result {
        try ConveyorProcess.run(arguments, directory: folder)
    }

    func page(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    func accuracy(_ checkpoint: String, tta: String) throws -> Double {
        let evaluate = try run(["evaluate", checkpoint, "--tta", tta, "--json"])
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(result["accuracy"] as? Double)
    }

    func copyRun(_ from: String, to: String) throws {
        try FileManager.default.copyItem(at: folder.appendingPathComponent(from), to: folder.appendingPathComponent(to))
    }

    func testReportsOfRunsRender() throws {
        let train = try run(["train", "tiny.yaml"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let noValidation = try run(["train", "tiny.yaml", "--set", "name=noval", "--set", "data.synthetic_validation=0"])
        XCTAssertEqual(noValidation.status, 0, noValidation.stderr)

        // One run: its accuracy with and without flips is what `evaluate` prints.
        let one = try run(["report", "runs/straße", "--tta", "flip", "--out", "one.html"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let plain = try accuracy("runs/straße/best.h5", tta: "none"), flipped = try accuracy("runs/straße/best.h5", tta: "flip")
        XCTAssertTrue(one.stdout.contains(String(format: "accuracy %.2f%%, %.2f%% with flip", plain * 100, flipped * 100)), one.stdout)
        let onePage = try page("one.html")
        for id in ["summary", "figure-curves", "figure-schedule", "per-class", "confusion-0", "mistakes-0", "filters-0", "epochs-0"] {
            XCTAssertTrue(onePage.contains("id=\"\(id)\""), "no \(id)")
        }
        XCTAssertTrue(onePage.contains("straße"))
        XCTAssertTrue(onePage.contains("0 airplane") || onePage.contains("0 circle"), "class names")
        XCTAssertFalse(onePage.contains("<script"))

        // An existing page is kept unless --force.
        let again = try run(["report", "runs/straße", "--out", "one.html"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("add --force"), again.stderr)

        // A diverged epoch (empty cells where the loss was NaN), and a folder without metrics.csv.
        try copyRun("runs/straße", to: "runs/diverged")
        let metrics = folder.appendingPathComponent("runs/diverged/metrics.csv")
        let handle = try FileHandle(forWritingTo: metrics)
        handle.seekToEndOfFile()
        handle.write(Data("2,,,,,0.05,900.0,1.00\n".utf8))
        try handle.close()
        try copyRun("runs/straße", to: "runs/nometrics")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("runs/nometrics/metrics.csv"))

        // Several runs side by side, the one without validation among them (it has only last.h5).
        let several = try run(["report", "runs/straße", "runs/noval", "runs/diverged", "runs/nometrics", "--tta", "none",
                               "--out", "several.html"])
        XCTAssertEqual(several.status, 0, several.stderr)
        XCTAssertTrue(several.stdout.contains("runs/noval has no best.h5"), several.stdout)
        let severalPage = try page("several.html")
        XCTAssertTrue(severalPage.contains("Not evaluated: the checkpoint&#39;s pipeline has no validation split"))
        XCTAssertTrue(severalPage.contains("<tr class=\"diverged\"><td>2</td><td>NaN</td>"))
        XCTAssertTrue(severalPage.contains("the checkpoint&#39;s /metrics (the folder has no metrics.csv)"))
        for index in 0..<4 { XCTAssertTrue(severalPage.contains("id=\"run-\(index)\"")) }

        // `plot` writes SVG by the extension, with the same name.
        let plot = try run(["plot", "runs/straße", "--out", "curves.svg"])
        XCTAssertEqual(plot.status, 0, plot.stderr)
        XCTAssertTrue(try page("curves.svg").contains("<svg"))

        try browserCheck("one.html", ids: ["summary", "figure-curves", "figure-schedule", "per-class", "confusion-0", "mistakes-0",
                                           "filters-0", "epochs-0"])
        try browserCheck("several.html", ids: ["summary", "figure-curves", "run-0", "run-1", "run-2", "run-3", "confusion-0",
                                               "filters-1", "epochs-2", "confusion-3"])
    }

    /// scripts/check-report: the page in headless Chromium, without console messages, with its figures.
    func browserCheck(_ name: String, ids: [String]) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/check-report")
        let process = Process()
        process.executableURL = script
        process.arguments = [folder.appendingPathComponent(name).path, folder.appendingPathComponent(name + ".png").path] + ids
        let err = Pipe(), out = Pipe()
        process.standardError = err
        process.standardOutput = out
        try process.run()
        let outText = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 77 { throw XCTSkip("browser check of \(name) skipped: \(errText)") }
        XCTAssertEqual(process.terminationStatus, 0, outText + errText)
    }
}
