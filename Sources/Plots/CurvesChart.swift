import FilterImages

/// Loss and accuracy against epoch for one or more runs, side by side: one color per run,
/// training solid, validation dashed, a legend naming the runs by color.
public struct CurvesChart {
    public static let defaultWidth = 1200
    public static let defaultHeight = 560

    /// Colors of runs 1, 2, ... (matplotlib's tab10), repeated past ten runs.
    static let palette: [RGBCanvas.Color] = [
        .init(red: 31, green: 119, blue: 180), .init(red: 255, green: 127, blue: 14), .init(red: 44, green: 160, blue: 44),
        .init(red: 214, green: 39, blue: 40), .init(red: 148, green: 103, blue: 189), .init(red: 140, green: 86, blue: 75),
        .init(red: 227, green: 119, blue: 194), .init(red: 127, green: 127, blue: 127), .init(red: 188, green: 189, blue: 34),
        .init(red: 23, green: 190, blue: 207),
    ]

    private static let textScale = 2
    private static let lineHeight = BitmapFont.height * textScale
    private static let dash = 8

    public static func draw(runs: [RunMetrics], width: Int = defaultWidth, height: Int = defaultHeight) throws -> PNGImage {
        guard !runs.isEmpty else { throw PlotError("no runs to plot") }
        let legendRows = runs.count + 1
        let legendHeight = legendRows * (lineHeight + 8) + 12
        guard width >= 400, height >= 200 + legendHeight else {
            throw PlotError("a \(width)x\(height) picture is too small for \(runs.count) runs; use at least 400x\(200 + legendHeight)")
        }
        var canvas = RGBCanvas(width: width, height: height)
        let panelHeight = height - legendHeight
        let panelWidth = width / 2
        drawPanel(&canvas, title: "LOSS", runs: runs, x: 0, width: panelWidth, height: panelHeight, percent: false,
                  train: \.trainLoss, validation: \.validationLoss)
        drawPanel(&canvas, title: "ACCURACY (%)", runs: runs, x: panelWidth, width: width - panelWidth, height: panelHeight,
                  percent: true, train: \.trainAccuracy, validation: \.validationAccuracy)
        drawLegend(&canvas, runs: runs, top: panelHeight + 8)
        return canvas.image
    }

    private static func drawPanel(_ canvas: inout RGBCanvas, title: String, runs: [RunMetrics], x: Int, width: Int, height: Int,
                                  percent: Bool, train: KeyPath<RunMetrics, [Double]>, validation: KeyPath<RunMetrics, [Double]>) {
        let factor = percent ? 100.0 : 1.0
        let values = runs.flatMap { $0[keyPath: train] + $0[keyPath: validation] }.filter(\.isFinite).map { $0 * factor }
        let epochs = runs.flatMap(\.epochs)
        // Loss starts at 0 and accuracy ends at most at 100, so runs compare against fixed ends.
        let yTicks = AxisTicks(low: percent ? values.min() ?? 0 : 0, high: percent ? min(values.max() ?? 100, 100) : values.max() ?? 1)
        let xTicks = AxisTicks(low: 0, high: Double(epochs.max() ?? 1), count: 6)
        let left = x + 80, right = x + width - 32, top = 16 + lineHeight + 10, bottom = height - (lineHeight * 2 + 24)
        let plotWidth = Double(right - left), plotHeight = Double(bottom - top)
        func px(_ epoch: Double) -> Double { Double(left) + (epoch - xTicks.low) / (xTicks.high - xTicks.low) * plotWidth }
        func py(_ value: Double) -> Double { Double(bottom) - (value - yTicks.low) / (yTicks.high - yTicks.low) * plotHeight }

        canvas.text(title, x: left + (right - left - BitmapFont.textWidth(title, scale: textScale)) / 2, y: 12, scale: textScale)
        for value in yTicks.values {
            let y = Int(py(value).rounded())
            canvas.line(Double(left), Double(y), Double(right), Double(y), color: .grid)
            let label = yTicks.label(value)
            canvas.text(label, x: left - 8 - BitmapFont.textWidth(label, scale: textScale), y: y - lineHeight / 2, scale: textScale)
        }
        for value in xTicks.values {
            let xPixel = Int(px(value).rounded())
            canvas.line(Double(xPixel), Double(top), Double(xPixel), Double(bottom), color: .grid)
            // No epoch 0 (nothing trained yet), and its label would sit on the y axis's lowest one.
            if value < 0.5 { continue }
            let label = xTicks.label(value)
            canvas.text(label, x: xPixel - BitmapFont.textWidth(label, scale: textScale) / 2, y: bottom + 8, scale: textScale)
        }
        canvas.line(Double(left), Double(top), Double(left), Double(bottom), color: .axis, thickness: 2)
        canvas.line(Double(left), Double(bottom), Double(right), Double(bottom), color: .axis, thickness: 2)
        let xTitle = "EPOCH"
        canvas.text(xTitle, x: left + (right - left - BitmapFont.textWidth(xTitle, scale: textScale)) / 2,
                    y: bottom + lineHeight + 16, scale: textScale)

        for (index, run) in runs.enumerated() {
            let color = palette[index % palette.count]
            for (series, dash) in [(run[keyPath: train], 0), (run[keyPath: validation], Self.dash)] {
                let points = zip(run.epochs, series).filter { $0.1.isFinite }.map { (px(Double($0.0)), py($0.1 * factor)) }
                var travelled = 0.0
                for (a, b) in zip(points, points.dropFirst()) {
                    canvas.line(a.0, a.1, b.0, b.1, color: color, thickness: 3, dash: dash, dashOffset: travelled)
                    travelled += ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).squareRoot()
                }
                // A marker at every epoch, so that a run of one epoch (one point) shows too.
                for point in points {
                    let size = dash == 0 ? 7 : 5
                    canvas.fill(x: Int(point.0.rounded()) - size / 2, y: Int(point.1.rounded()) - size / 2, width: size, height: size,
                                color: color)
                }
            }
        }
    }

    private static func drawLegend(_ canvas: inout RGBCanvas, runs: [RunMetrics], top: Int) {
        var y = top
        let left = 80
        canvas.line(Double(left), Double(y + lineHeight / 2), Double(left + 40), Double(y + lineHeight / 2), color: .axis, thickness: 3)
        canvas.text("TRAIN", x: left + 50, y: y, scale: textScale)
        canvas.line(Double(left + 140), Double(y + lineHeight / 2), Double(left + 180), Double(y + lineHeight / 2), color: .axis,
                    thickness: 3, dash: Self.dash)
        canvas.text("VALIDATION", x: left + 190, y: y, scale: textScale)
        y += lineHeight + 8
        for (index, run) in runs.enumerated() {
            let color = palette[index % palette.count]
            canvas.fill(x: left, y: y, width: 40, height: lineHeight, color: color)
            canvas.text(run.name, x: left + 50, y: y, scale: textScale)
            y += lineHeight + 8
        }
    }
}
