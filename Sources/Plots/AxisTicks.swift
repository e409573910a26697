import Foundation

/// Round tick values (1, 2 or 5 times a power of ten apart) covering a data range, and their labels.
struct AxisTicks {
    let low: Double
    let high: Double
    let step: Double

    /// About `count` ticks covering low...high, at least `minimumStep` apart (1 for epochs,
    /// which have no halves); a flat range is widened so that it has height.
    init(low: Double, high: Double, count: Int = 5, minimumStep: Double = 0) {
        var low = low, high = high
        if !(high > low) {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let raw = (high - low) / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        step = max((fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude, minimumStep)
        self.low = floor(low / step) * step
        self.high = ceil(high / step) * step
    }

    var values: [Double] {
        let count = Int(((high - low) / step).rounded())
        return (0...count).map { low + Double($0) * step }
    }

    func label(_ value: Double) -> String {
        let decimals = max(0, Int(ceil(-log10(step) - 1e-9)))
        return String(format: "%.\(decimals)f", abs(value) < step / 1e6 ? 0 : value)
    }
}
