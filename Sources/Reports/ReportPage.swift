import Foundation
import Plots
import Training

/// One self-contained HTML page about one or more runs: figures are inline SVG, images `data:`
/// URIs, the style sheet is in the page, and there is no script, so it opens offline, from a
/// mail attachment, anywhere. Several runs are compared side by side: curves overlaid, one
/// column per run in the tables; then each run's own section.
///
/// Element ids the browser check (scripts/check-report) looks for: `summary`, `figure-curves`,
/// `figure-schedule`, `per-class`, and per run i: `run-i`, `pipeline-i`, `confusion-i`,
/// `mistakes-i`, `filters-i`, `epochs-i` (each present when the run has what it shows).
public enum ReportPage {
    /// Wrong images shown per run.
    public static let mistakeCount = 32

    public static func html(runs: [RunReport], generator: String, created: Date = Date()) throws -> String {
        precondition(!runs.isEmpty, "a report needs at least one run")
        let title = "Conveyor report: " + runs.map(\.name).joined(separator: ", ")
        var body = "<h1>\(HTMLEscaping.escape(title))</h1>\n"
        let stamp = ISO8601DateFormatter().string(from: created)
        body += "<p class=\"meta\">Written by \(HTMLEscaping.escape(generator)) at \(stamp).</p>\n"
        body += summary(runs)
        body += try curves(runs)
        body += perClass(runs)
        for (index, run) in runs.enumerated() { body += try section(run, index: index) }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLEscaping.escape(title))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            \(body)
            </body>
            </html>

            """
    }

    static let style = """
        body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 24px auto; max-width: 1280px; padding: 0 16px; color: #222; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05em; }
        .meta, .note { color: #666; }
        table { border-collapse: collapse; margin: 8px 0; }
        th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; font-variant-numeric: tabular-nums; }
        th { background: #f4f4f4; } th.rowname, td.text, th.text { text-align: left; }
        .swatch { display: inline-block; width: 14px; height: 14px; border-radius: 2px; vertical-align: -2px; margin-right: 6px; }
        figure { margin: 8px 0; } figure svg { max-width: 100%; height: auto; }
        pre { background: #f7f7f7; border: 1px solid #e4e4e4; padding: 8px; overflow-x: auto; font-size: 0.85em; }
        .heatmap td { min-width: 2.2em; text-align: center; border-color: #eee; }
        .heatmap.small td, .heatmap.small th { font-size: 0.7em; padding: 1px 3px; min-width: 1.6em; }
        .heatmap.tiny td, .heatmap.tiny th { font-size: 0.5em; padding: 0 1px; min-width: 1em; }
        .scroll { overflow-x: auto; }
        .gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(136px, 1fr)); gap: 10px; }
        .gallery figure { margin: 0; text-align: center; font-size: 0.78em; }
        .gallery img { width: 96px; height: 96px; image-rendering: pixelated; border: 1px solid #ccc; }
        .filters img { image-rendering: pixelated; max-width: 100%; border: 1px solid #ccc; }
        .wrong { color: #b22; } .right { color: #262; }
        .bar { background: linear-gradient(to right, #cfe3f3 var(--p), transparent var(--p)); }
        tr.diverged td { background: #fde8e8; }
        """

    // MARK: summary

    private static func summary(_ runs: [RunReport]) -> String {
        var rows: [(String, [String])] = []
        func row(_ label: String, _ value: (RunReport) -> String) { rows.append((label, runs.map(value))) }
        row("checkpoint") { "\($0.checkpointPath) (epoch \($0.checkpointEpoch))" }
        row("evaluated") { $0.evaluation == nil ? ($0.evaluationNote ?? "not evaluated") : $0.split }
        row("device") { $0.device }
        row("accuracy") { $0.evaluation.map { ReportNumbers.percent($0.withoutAugmentation.accuracy) } ?? ReportNumbers.missing }
        row("loss") { $0.evaluation.map { ReportNumbers.fixed($0.withoutAugmentation.loss) } ?? ReportNumbers.missing }
        // With augmentation only where one was asked for.
        if runs.contains(where: { ($0.evaluation?.result.testTimeAugmentation ?? "none") != "none" }) {
            row("accuracy with test-time augmentation") { run in
                guard let e = run.evaluation, e.result.testTimeAugmentation != "none" else { return ReportNumbers.missing }
                return ReportNumbers.percent(e.result.accuracy) + " (\(e.result.testTimeAugmentation))"
            }
            row("loss with test-time augmentation") { run in
                guard let e = run.evaluation, e.result.testTimeAugmentation != "none" else { return ReportNumbers.missing }
                return ReportNumbers.fixed(e.result.loss)
            }
        }
        row("best validation accuracy while training") { run in
            guard let m = run.metrics else { return ReportNumbers.missing }
            let best = m.validationAccuracy.enumerated().filter { $0.element.isFinite }.max { $0.element < $1.element }
            return best.map { "\(ReportNumbers.percent($0.element)) (epoch \(m.epochs[$0.offset]))" } ?? ReportNumbers.missing
        }
        row("epochs trained") { run in run.metrics.map { "\($0.epochs.count)" } ?? "\(run.checkpointEpoch)" }
        row("time per epoch (mean)") { run in
            let seconds = run.metrics?.seconds.filter(\.isFinite) ?? []
            return seconds.isEmpty ? ReportNumbers.missing : ReportNumbers.seconds(seconds.reduce(0, +) / Double(seconds.count))
        }
        row("training time") { run in
            let seconds = run.metrics?.seconds.filter(\.isFinite) ?? []
            return seconds.isEmpty ? ReportNumbers.missing : ReportNumbers.seconds(seconds.reduce(0, +))
        }
        row("per-epoch figures from") { $0.metricsSource }
        var out = "<h2>Summary</h2>\n<table id=\"summary\">\n<thead><tr><th class=\"text\"></th>"
        for (index, run) in runs.enumerated() { out += "<th class=\"text\">\(runHeading(run, index: index))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for (label, values) in rows {
            out += "<tr><th class=\"rowname\">\(HTMLEscaping.escape(label))</th>"
                + values.map { "<td class=\"text\">\(HTMLEscaping.escape($0))</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    private static func runHeading(_ run: RunReport, index: Int) -> String {
        "<span class=\"swatch\" style=\"background:\(PlotColor.run(index).hex)\"></span>\(HTMLEscaping.escape(run.name))"
    }

    // MARK: curves

    private static func curves(_ runs: [RunReport]) throws -> String {
        let metrics = runs.compactMap(\.metrics)
        guard !metrics.isEmpty else {
            return "<h2>Curves</h2>\n<p class=\"note\">No per-epoch figures: the run folders have no metrics.csv and the checkpoints no /metrics rows.</p>\n"
        }
        // Colors must match the run headings: a run without metrics keeps its index's color.
        var out = "<h2>Curves</h2>\n"
        if metrics.count < runs.count {
            out += "<p class=\"note\">Without per-epoch figures: "
                + HTMLEscaping.escape(runs.filter { $0.metrics == nil }.map(\.name).joined(separator: ", ")) + ".</p>\n"
        }
        let colored = runs.compactMap { $0.metrics }
        let first = try CurvesChart.draw(runs: colored, panels: [.loss, .accuracy], width: 1200,
                                         height: 380 + CurvesChart.legendHeight(runs: colored.count), format: .svg,
                                         colors: runs.indices.filter { runs[$0].metrics != nil })
        let second = try CurvesChart.draw(runs: colored, panels: [.learningRate, .epochSeconds], width: 1200,
                                          height: 320 + CurvesChart.legendHeight(runs: colored.count), format: .svg,
                                          colors: runs.indices.filter { runs[$0].metrics != nil })
        out += "<figure>" + InlineSVG.embed(String(decoding: try first.encoded(), as: UTF8.self), prefix: "curves",
                                            id: "figure-curves", label: "loss and accuracy against epoch") + "</figure>\n"
        out += "<figure>" + InlineSVG.embed(String(decoding: try second.encoded(), as: UTF8.self), prefix: "schedule",
                                            id: "figure-schedule", label: "learning rate and time per epoch") + "</figure>\n"
        return out
    }

    // MARK: per-class accuracy

    private static func perClass(_ runs: [RunReport]) -> String {
        let evaluated = runs.enumerated().filter { $0.element.evaluation != nil }
        guard !evaluated.isEmpty else { return "" }
        let classes = evaluated.map { $0.element.evaluation!.result.perClassAccuracy.count }.max() ?? 0
        let names = evaluated.first { $0.element.classNames.count == classes }?.element.classNames
            ?? (0..<classes).map { "class \($0)" }
        var out = "<h2>Per-class accuracy</h2>\n<div class=\"scroll\"><table id=\"per-class\">\n<thead><tr><th class=\"text\">class</th>"
        for (index, run) in evaluated { out += "<th class=\"text\">\(runHeading(run, index: index))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for c in 0..<classes {
            out += "<tr><th class=\"rowname\">\(c) \(HTMLEscaping.escape(names[c]))</th>"
            for (_, run) in evaluated {
                let shown = run.evaluation!.result
                let value = c < shown.perClassAccuracy.count ? shown.perClassAccuracy[c] : .nan
                let width = value.isFinite ? Int((value * 100).rounded()) : 0
                out += "<td class=\"bar\" style=\"--p:\(width)%\">\(ReportNumbers.percent(value))</td>"
            }
            out += "</tr>\n"
        }
        let tta = evaluated.map { $0.element.evaluation!.result.testTimeAugmentation }.filter { $0 != "none" }
        out += "</tbody></table></div>\n"
        if !tta.isEmpty {
            out += "<p class=\"note\">Per-class accuracy, the confusion matrices and the gallery are of the predictions with test-time augmentation ("
                + HTMLEscaping.escape(Set(tta).sorted().joined(separator: ", ")) + ").</p>\n"
        }
        return out
    }

    // MARK: one run

    private static func section(_ run: RunReport, index: Int) throws -> String {
        var out = "<section id=\"run-\(index)\">\n<h2>\(runHeading(run, index: index))</h2>\n"
        out += "<p class=\"meta\">\(HTMLEscaping.escape(run.folder)) · checkpoint \(HTMLEscaping.escape(run.checkpointPath)) · "
            + "\(HTMLEscaping.escape(run.device))"
            + (run.evaluationSeconds.map { String(format: " · evaluated in %.1f s", $0) } ?? "") + "</p>\n"
        out += "<details id=\"pipeline-\(index)\"><summary>Pipeline (stored in the checkpoint)</summary><pre>"
            + HTMLEscaping.escape(run.pipeline) + "</pre></details>\n"
        if let evaluation = run.evaluation {
            let result = evaluation.result
            out += "<h3>Confusion matrix</h3>\n<p class=\"note\">\(HTMLEscaping.escape(run.split)): rows are the true class, "
                + "columns the predicted one; the color is the share of the row.</p>\n"
            out += "<div class=\"scroll\">" + ConfusionHeatMap.html(confusion: result.confusion, classNames: run.classNames,
                                                                  id: "confusion-\(index)") + "</div>\n"
            out += gallery(run, index: index)
        } else {
            out += "<p class=\"note\">Not evaluated: \(HTMLEscaping.escape(run.evaluationNote ?? "no data"))</p>\n"
        }
        if let filters = run.filters {
            out += "<h3>First-layer filters</h3>\n<figure class=\"filters\" id=\"filters-\(index)\"><img alt=\""
                + HTMLEscaping.escape(filters.caption) + "\" width=\"\(filters.displayWidth)\" src=\"\(DataURI.png(filters.png))\">"
                + "<figcaption class=\"note\">"
                + HTMLEscaping.escape(filters.caption) + "</figcaption></figure>\n"
        }
        if let metrics = run.metrics { out += epochTable(metrics, index: index, source: run.metricsSource) }
        return out + "</section>\n"
    }

    private static func gallery(_ run: RunReport, index: Int) -> String {
        var out = "<h3>Most confidently wrong</h3>\n"
        guard !run.mistakes.isEmpty else {
            return out + "<p class=\"note\" id=\"mistakes-\(index)\">No image of the split was classified wrongly.</p>\n"
        }
        out += "<p class=\"note\">The \(run.mistakes.count) wrongly classified images with the highest probability on the wrong class "
            + "(softmax of the scores), most confident first.</p>\n<div class=\"gallery\" id=\"mistakes-\(index)\">\n"
        func name(_ c: Int) -> String { c < run.classNames.count ? run.classNames[c] : "class \(c)" }
        for thumbnail in run.mistakes {
            let p = thumbnail.prediction
            let alt = "image \(p.index): \(name(p.label)) predicted as \(name(p.predicted))"
            out += "<figure><img alt=\"\(HTMLEscaping.escape(alt))\" src=\"\(DataURI.png(thumbnail.png))\"><figcaption>"
                + "<span class=\"wrong\">\(HTMLEscaping.escape(name(p.predicted))) \(String(format: "%.1f%%", p.confidence * 100))</span><br>"
                + "<span class=\"right\">true: \(HTMLEscaping.escape(name(p.label))) \(String(format: "%.1f%%", p.trueProbability * 100))</span><br>"
                + "#\(p.index)</figcaption></figure>\n"
        }
        return out + "</div>\n"
    }

    private static func epochTable(_ m: RunMetrics, index: Int, source: String) -> String {
        var out = "<h3>Epochs</h3>\n<p class=\"note\">From \(HTMLEscaping.escape(source)). A dash: not measured that epoch "
            + "(no validation); NaN: the value diverged.</p>\n"
        out += "<div class=\"scroll\"><table id=\"epochs-\(index)\">\n<thead><tr><th>epoch</th><th>train loss</th><th>train acc</th>"
            + "<th>val loss</th><th>val acc</th><th>learning rate</th><th>images/s</th><th>time</th></tr></thead>\n<tbody>\n"
        for row in m.epochs.indices {
            let diverged = !m.trainLoss[row].isFinite
            out += diverged ? "<tr class=\"diverged\">" : "<tr>"
            out += "<td>\(m.epochs[row])</td>"
            out += "<td>\(ReportNumbers.cell(m.trainLoss[row], decimals: 4, percent: false, diverged: diverged))</td>"
            out += "<td>\(ReportNumbers.cell(m.trainAccuracy[row], decimals: 4, percent: true, diverged: diverged))</td>"
            out += "<td>\(ReportNumbers.cell(m.validationLoss[row], decimals: 4, percent: false, diverged: diverged))</td>"
            out += "<td>\(ReportNumbers.cell(m.validationAccuracy[row], decimals: 4, percent: true, diverged: diverged))</td>"
            out += "<td>\(m.learningRate[row].isNaN ? ReportNumbers.missing : String(format: "%.4g", m.learningRate[row]))</td>"
            out += "<td>\(m.imagesPerSecond[row].isNaN ? ReportNumbers.missing : String(format: "%.0f", m.imagesPerSecond[row]))</td>"
            out += "<td>\(ReportNumbers.seconds(m.seconds[row]))</td></tr>\n"
        }
        return out + "</tbody></table></div>\n"
    }
}
