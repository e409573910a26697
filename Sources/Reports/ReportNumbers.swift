import Foundation

/// How the report writes numbers: a value a run did not measure (NaN from an epoch without
/// validation) as a dash, a diverged one as "NaN", so the two are never confused.
enum ReportNumbers {
    static let missing = "–"

    static func percent(_ fraction: Double) -> String {
        fraction.isNaN ? missing : String(format: "%.2f%%", fraction * 100)
    }

    static func fixed(_ value: Double, _ decimals: Int = 4) -> String {
        value.isNaN ? missing : value.isFinite ? String(format: "%.\(decimals)f", value) : (value > 0 ? "inf" : "-inf")
    }

    /// A table cell of a metrics row: empty cells (not measured) as a dash; `diverged` marks
    /// a row whose training loss is not finite, whose NaN cells read "NaN".
    static func cell(_ value: Double, decimals: Int, percent: Bool, diverged: Bool) -> String {
        if value.isNaN { return diverged ? "NaN" : missing }
        if percent { return String(format: "%.2f%%", value * 100) }
        return fixed(value, decimals)
    }

    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return missing }
        if value >= 3600 { return String(format: "%d:%02d:%02d", Int(value) / 3600, Int(value) / 60 % 60, Int(value) % 60) }
        if value >= 60 { return String(format: "%d:%02d", Int(value) / 60, Int(value) % 60) }
        return String(format: "%.1f s", value)
    }
}
