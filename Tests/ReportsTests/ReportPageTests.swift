import Foundation
import PipelineConfig
import Plots
import XCTest
@testable import Reports
@testable import Training

/// The page from made-up runs: what a report must render whatever the run (many classes, no
/// evaluation, no metrics, a diverged epoch, several runs), and that it is self-contained.
final class ReportPageTests: XCTestCase {
    static func metrics(_ name: String, rows: [(Double, Double, Double, Double)]) -> RunMetrics {
        RunMetrics(name: name, epochs: Array(1...rows.count), trainLoss: rows.map(\.0), validationLoss: rows.map(\.2),
                   trainAccuracy: rows.map(\.1), validationAccuracy: rows.map(\.3),
                   learningRate: rows.map { _ in 0.1 }, imagesPerSecond: rows.map { _ in 1000 }, seconds: rows.map { _ in 2.5 })
    }

    /// An evaluation of `classes` classes over `perClass` images each, every fourth image wrong.
    static func evaluation(classes: Int, perClass: Int, tta: TestTimeAugmentation) -> DetailedEvaluation {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var predictions: [ImagePrediction] = []
        for index in 0..<(classes * perClass) {
            let label = index % classes
            let predicted = index % 4 == 0 ? (label + 1) % classes : label
            confusion[label][predicted] += 1
            let confidence = Float(index % 97) / 97
            predictions.append(ImagePrediction(index: index, label: label, predicted: predicted, confidence: confidence,
                                               trueProbability: predicted == label ? confidence : (1 - confidence) / 2))
        }
        let names = (0..<classes).map { "class \($0)" }
        let result = Evaluator.result(confusion: confusion, lossSum: 1.5 * Double(classes * perClass), images: classes * perClass,
                                      classNames: names, tta: tta)
        let plain = Evaluator.result(confusion: confusion, lossSum: 1.6 * Double(classes * perClass), images: classes * perClass,
                                     classNames: names, tta: .none)
        return DetailedEvaluation(result: result, withoutAugmentation: tta == .none ? result : plain, predictions: predictions)
    }

    static func run(_ name: String, classes: Int = 10, metrics: RunMetrics?, evaluation: DetailedEvaluation?) throws -> RunReport {
        let thumbnail = try ReportThumbnail.png(planes: (0..<3072).map { UInt8($0 % 251) }, side: 32, channels: 3)
        let mistakes = evaluation.map { $0.mostConfidentlyWrong(ReportPage.mistakeCount).map { ReportThumbnail(prediction: $0, png: thumbnail) } }
        return RunReport(name: name, folder: "runs/\(name)", checkpointPath: "runs/\(name)/best.h5", checkpointEpoch: metrics?.epochs.count ?? 1,
                         pipeline: "name: \(name)\nmodel: [relu]\n", device: "evaluated on a test device", metrics: metrics,
                         metricsSource: "runs/\(name)/metrics.csv", evaluation: evaluation,
                         evaluationNote: evaluation == nil ? "the checkpoint's pipeline has no validation split" : nil,
                         split: "the validation split", classNames: ReportClassNames.names(checkpoint: .init(epoch: 1, step: 1, seed: 1, config: ""),
                                                                                            dataNames: nil, classes: classes),
                         mistakes: mistakes ?? [], filters: ReportFilters(png: thumbnail, caption: "conv1: 8 filters", width: 32),
                         evaluationSeconds: 0.5)
    }

    /// Every id attribute of the page, in order.
    static func ids(_ page: String) -> [String] {
        page.components(separatedBy: " id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    static func assertSelfContained(_ page: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(page.contains("<script"), file: file, line: line)
        XCTAssertFalse(page.contains("<link"), file: file, line: line)
        for attribute in ["src=\"", "href=\""] {
            for value in page.components(separatedBy: attribute).dropFirst() {
                XCTAssertTrue(value.hasPrefix("data:") || value.hasPrefix("#"), "\(attribute)\(value.prefix(40))", file: file, line: line)
            }
        }
        let ids = Self.ids(page)
        XCTAssertEqual(ids.count, Set(ids).count, "duplicate ids: \(Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted().prefix(5))",
                       file: file, line: line)
    }

    func testOneRunHasEveryFigure() throws {
        let run = try Self.run("quick", metrics: Self.metrics("quick", rows: [(2, 0.3, 1.9, 0.35), (1.5, 0.5, 1.6, 0.45)]),
                               evaluation: Self.evaluation(classes: 10, perClass: 20, tta: .flip))
        let page = try ReportPage.html(runs: [run], generator: "test")
        Self.assertSelfContained(page)
        for id in ["summary", "figure-curves", "figure-schedule", "per-class", "run-0", "pipeline-0", "confusion-0", "mistakes-0",
                   "filters-0", "epochs-0"] {
            XCTAssertTrue(Self.ids(page).contains(id), "no \(id)")
        }
        // With and without test-time augmentation, and the CIFAR-10 class names for ten classes.
        XCTAssertTrue(page.contains("accuracy with test-time augmentation"))
        XCTAssertTrue(page.contains("(flip)"))
        XCTAssertTrue(page.contains("0 airplane"))
        XCTAssertEqual(page.components(separatedBy: "<figure><img alt=\"image ").count - 1, ReportPage.mistakeCount)
    }

    func testHundredClassesRender() throws {
        let run = try Self.run("hundred", classes: 100, metrics: Self.metrics("hundred", rows: [(4, 0.1, 3.9, 0.12)]),
                               evaluation: Self.evaluation(classes: 100, perClass: 3, tta: .none))
        let page = try ReportPage.html(runs: [run], generator: "test")
        Self.assertSelfContained(page)
        XCTAssertTrue(page.contains("class=\"heatmap tiny\""))
        XCTAssertTrue(page.contains("99 class 99"))
        // No augmentation asked: no row for it.
        XCTAssertFalse(page.contains("accuracy with test-time augmentation"))
        try BrowserCheck.run(page: page, name: "hundred", ids: ["summary", "figure-curves", "per-class", "confusion-0", "mistakes-0"])
    }

    func testRunWithoutEvaluationOrMetricsStillRenders() throws {
        let run = try Self.run("noval", metrics: nil, evaluation: nil)
        let page = try ReportPage.html(runs: [run], generator: "test")
        Self.assertSelfContained(page)
        XCTAssertTrue(page.contains("Not evaluated: the checkpoint&#39;s pipeline has no validation split"))
        XCTAssertTrue(page.contains("No per-epoch figures"))
        XCTAssertFalse(Self.ids(page).contains("confusion-0"))
        XCTAssertTrue(Self.ids(page).contains("filters-0"))
    }

    func testDivergedEpochReadsNaNAndOneEpochDraws() throws {
        let diverged = Self.metrics("diverged", rows: [(2, 0.3, 1.9, 0.35), (.nan, 0.1, .nan, .nan)])
        let page = try ReportPage.html(runs: [try Self.run("diverged", metrics: diverged, evaluation: nil),
                                              try Self.run("one", metrics: Self.metrics("one", rows: [(2, 0.3, .nan, .nan)]), evaluation: nil)],
                                       generator: "test")
        Self.assertSelfContained(page)
        XCTAssertTrue(page.contains("<tr class=\"diverged\"><td>2</td><td>NaN</td>"), page)
        // Not measured (no validation) is a dash, not NaN.
        XCTAssertTrue(page.contains("<td>1</td><td>2.0000</td><td>30.00%</td><td>–</td>"))
    }

    func testSeveralRunsSideBySide() throws {
        let a = try Self.run("a", metrics: Self.metrics("a", rows: [(2, 0.3, 1.9, 0.35)]), evaluation: Self.evaluation(classes: 10, perClass: 4, tta: .none))
        let b = try Self.run("straße <b>", metrics: Self.metrics("straße <b>", rows: [(2, 0.3, 1.9, 0.35), (1, 0.6, 1.2, 0.6)]),
                             evaluation: Self.evaluation(classes: 10, perClass: 4, tta: .flipTranslate))
        let page = try ReportPage.html(runs: [a, b], generator: "test")
        Self.assertSelfContained(page)
        XCTAssertTrue(page.contains("straße &lt;b&gt;"))
        XCTAssertFalse(page.contains("straße <b>"))
        // One column per run in the summary and per-class tables; one curves figure for both.
        XCTAssertTrue(page.contains(PlotColor.run(1).hex))
        XCTAssertEqual(page.components(separatedBy: "id=\"figure-curves\"").count, 2)
        XCTAssertTrue(Self.ids(page).contains("confusion-1"))
        try BrowserCheck.run(page: page, name: "two-runs", ids: ["summary", "figure-curves", "figure-schedule", "per-class", "run-0", "run-1",
                                                                  "confusion-0", "confusion-1", "epochs-1"])
    }

    func testInlineSVGIdsArePrefixed() {
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"10\"><symbol id=\"glyph0-1\"/><use xlink:href=\"#glyph0-1\"/><g clip-path=\"url(#clip1)\"/></svg>"
        let embedded = InlineSVG.embed(svg, prefix: "p", id: "figure-x", label: "a <label>")
        XCTAssertFalse(embedded.contains("<?xml"))
        XCTAssertTrue(embedded.hasPrefix("<svg id=\"figure-x\" role=\"img\" aria-label=\"a &lt;label&gt;\""), embedded)
        XCTAssertTrue(embedded.contains("id=\"p-glyph0-1\""))
        XCTAssertTrue(embedded.contains("href=\"#p-glyph0-1\""))
        XCTAssertTrue(embedded.contains("url(#p-clip1)"))
    }

    func testMostConfidentlyWrongOrder() {
        let evaluation = Self.evaluation(classes: 10, perClass: 10, tta: .none)
        let worst = evaluation.mostConfidentlyWrong(5)
        XCTAssertEqual(worst.count, 5)
        XCTAssertTrue(worst.allSatisfy { !$0.isCorrect })
        XCTAssertEqual(worst.map(\.confidence), worst.map(\.confidence).sorted(by: >))
    }
}
