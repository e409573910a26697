import Foundation

/// Curves of one or more runs against epoch, one panel per quantity side by side: one color
/// per run, training solid, validation dashed, a marker at every epoch (so that a run of one
/// epoch shows), a legend naming the runs by color. Non-finite values (a diverged epoch, an
/// epoch without validation) leave a gap.
public struct CurvesChart {
    public static let defaultWidth = 1200
    public static let defaultHeight = 560

    /// The quantities a panel can show.
    public enum Panel: Sendable {
        case loss
        case accuracy
        case learningRate
        /// Wall time of each epoch, validation included.
        case epochSeconds

        var title: String {
            switch self {
            case .loss: return "Loss"
            case .accuracy: return "Accuracy (%)"
            case .learningRate: return "Learning rate"
            case .epochSeconds: return "Time per epoch (s)"
            }
        }

        /// Whether the panel has a validation series (dashed) besides training.
        var hasValidation: Bool {
            switch self {
            case .loss, .accuracy: return true
            case .learningRate, .epochSeconds: return false
            }
        }

        /// The training series and, where there is one, the validation series, in the units drawn.
        func series(_ run: RunMetrics) -> (train: [Double], validation: [Double]?) {
            switch self {
            case .loss: return (run.trainLoss, run.validationLoss)
            case .accuracy: return (run.trainAccuracy.map { $0 * 100 }, run.validationAccuracy.map { $0 * 100 })
            case .learningRate: return (run.learningRate, nil)
            case .epochSeconds: return (run.seconds, nil)
            }
        }
    }

    static let fontSize = 14.0
    static let titleSize = 16.0
    static let legendRowHeight = 24.0
    static let dash = 7.0

    /// The least picture that leaves each panel a plot area.
    public static func minimumSize(runs: Int, panels: Int) -> (width: Int, height: Int) {
        (260 * panels, 200 + legendHeight(runs: runs))
    }

    public static func legendHeight(runs: Int) -> Int { Int(legendRowHeight) * (runs + 1) + 16 }

    /// `colors`: each run's index into `PlotColor.palette` (default: its position), so that a
    /// report's figures color a run as its tables do even when some runs have no curves.
    public static func draw(runs: [RunMetrics], panels: [Panel] = [.loss, .accuracy], width: Int = defaultWidth,
                            height: Int = defaultHeight, format: PlotFormat, colors: [Int]? = nil) throws -> CairoCanvas {
        let colors = (colors?.count == runs.count ? colors! : Array(runs.indices)).map(PlotColor.run)
        guard !runs.isEmpty else { throw PlotError("no runs to plot") }
        guard !panels.isEmpty else { throw PlotError("no panels to draw") }
        let least = minimumSize(runs: runs.count, panels: panels.count)
        guard width >= least.width, height >= least.height else {
            throw PlotError("a \(width)x\(height) picture is too small for \(runs.count) runs; use at least \(least.width)x\(least.height)")
        }
        let canvas = try CairoCanvas(width: width, height: height, format: format)
        let panelHeight = Double(height - legendHeight(runs: runs.count))
        let panelWidth = Double(width) / Double(panels.count)
        for (index, panel) in panels.enumerated() {
            drawPanel(canvas, panel: panel, runs: runs, colors: colors, x: Double(index) * panelWidth, width: panelWidth,
                      height: panelHeight)
        }
        drawLegend(canvas, runs: runs, colors: colors, top: panelHeight + 8, showsValidation: panels.contains(where: \.hasValidation))
        return canvas
    }

    private static func drawPanel(_ canvas: CairoCanvas, panel: Panel, runs: [RunMetrics], colors: [PlotColor], x: Double,
                                  width: Double, height: Double) {
        let series = runs.map { panel.series($0) }
        let values = series.flatMap { $0.train + ($0.validation ?? []) }.filter(\.isFinite)
        let epochs = runs.flatMap(\.epochs)
        // Loss and learning rate start at 0 and accuracy ends at most at 100, so runs compare against fixed ends.
        let yTicks: AxisTicks
        switch panel {
        case .accuracy: yTicks = AxisTicks(low: values.min() ?? 0, high: min(values.max() ?? 100, 100))
        case .loss, .learningRate, .epochSeconds: yTicks = AxisTicks(low: 0, high: values.max() ?? 1)
        }
        let xTicks = AxisTicks(low: 0, high: Double(max(epochs.max() ?? 1, 1)), count: 6, minimumStep: 1)
        let tickLabelWidth = yTicks.values.map { canvas.textWidth(yTicks.label($0), size: fontSize) }.max() ?? 30
        let left = x + tickLabelWidth + 20, right = x + width - 24, top = 44.0, bottom = height - 52
        // A margin inside the axes, so that a point on the range's end (the last epoch, the best
        // accuracy) is drawn whole rather than cut by the frame.
        let margin = 8.0
        func px(_ epoch: Double) -> Double {
            left + margin + (epoch - xTicks.low) / (xTicks.high - xTicks.low) * (right - left - 2 * margin)
        }
        func py(_ value: Double) -> Double {
            bottom - margin - (value - yTicks.low) / (yTicks.high - yTicks.low) * (bottom - top - 2 * margin)
        }

        canvas.text(panel.title, x: (left + right) / 2, y: 26, size: titleSize, anchor: .middle, bold: true)
        for value in yTicks.values {
            canvas.line(from: (left, py(value)), to: (right, py(value)), color: .grid)
            canvas.text(yTicks.label(value), x: left - 8, y: py(value) + fontSize * 0.35, size: fontSize, color: .axis, anchor: .end)
        }
        for value in xTicks.values {
            canvas.line(from: (px(value), top), to: (px(value), bottom), color: .grid)
            // No epoch 0 (nothing trained yet), and its label would sit on the y axis's lowest one.
            if value < 0.5 { continue }
            canvas.text(xTicks.label(value), x: px(value), y: bottom + fontSize + 6, size: fontSize, color: .axis, anchor: .middle)
        }
        canvas.line(from: (left, top), to: (left, bottom), color: .axis, lineWidth: 1.5)
        canvas.line(from: (left, bottom), to: (right, bottom), color: .axis, lineWidth: 1.5)
        canvas.text("epoch", x: (left + right) / 2, y: bottom + 2 * fontSize + 14, size: fontSize, anchor: .middle)

        for (index, run) in runs.enumerated() {
            let color = colors[index]
            let lines: [([Double], Double)] = [(series[index].train, 0)] + (series[index].validation.map { [($0, dash)] } ?? [])
            for (values, dash) in lines {
                // A gap at a non-finite value: each finite stretch is its own line.
                var stretch: [(x: Double, y: Double)] = []
                func flush() {
                    canvas.polyline(stretch, color: color, lineWidth: 2.5, dash: dash)
                    stretch = []
                }
                for (epoch, value) in zip(run.epochs, values) {
                    guard value.isFinite else { flush(); continue }
                    let point = (x: px(Double(epoch)), y: py(min(max(value, yTicks.low), yTicks.high)))
                    stretch.append(point)
                    canvas.circle(x: point.x, y: point.y, radius: dash == 0 ? 3.5 : 3, color: color, filled: dash == 0)
                }
                flush()
            }
        }
    }

    private static func drawLegend(_ canvas: CairoCanvas, runs: [RunMetrics], colors: [PlotColor], top: Double, showsValidation: Bool) {
        let left = 80.0
        var y = top + legendRowHeight / 2
        canvas.line(from: (left, y), to: (left + 40, y), color: .axis, lineWidth: 2.5)
        canvas.text("training", x: left + 50, y: y + fontSize * 0.35, size: fontSize)
        if showsValidation {
            canvas.line(from: (left + 150, y), to: (left + 190, y), color: .axis, lineWidth: 2.5, dash: dash)
            canvas.text("validation", x: left + 200, y: y + fontSize * 0.35, size: fontSize)
        }
        for (index, run) in runs.enumerated() {
            y += legendRowHeight
            canvas.fillRectangle(x: left, y: y - 7, width: 40, height: 14, color: colors[index])
            canvas.text(run.name, x: left + 50, y: y + fontSize * 0.35, size: fontSize)
        }
    }
}
