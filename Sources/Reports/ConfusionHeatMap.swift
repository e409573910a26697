import Foundation

/// A confusion matrix as an HTML table: each cell's color is the share of its true class
/// (row) predicted as that column, so a class with few images shows as clearly as a large one,
/// and the count is written in the cell. Correct predictions (the diagonal) are blue, mistakes
/// red, so that the confusions stand out. Tables of many classes get smaller cells.
enum ConfusionHeatMap {
    static func html(confusion: [[Int]], classNames: [String], id: String) -> String {
        let classes = confusion.count
        let size = classes > 40 ? "tiny" : classes > 15 ? "small" : "normal"
        var out = "<table class=\"heatmap \(size)\" id=\"\(id)\">\n<thead><tr><th class=\"corner\">true \\ predicted</th>"
        for (index, name) in classNames.enumerated() {
            // Columns carry the number only (names would make the table too wide); the name is the tooltip.
            out += "<th title=\"\(HTMLEscaping.escape(name))\">\(index)</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for (row, counts) in confusion.enumerated() {
            let total = counts.reduce(0, +)
            let name = row < classNames.count ? classNames[row] : "class \(row)"
            out += "<tr><th class=\"rowname\">\(row) \(HTMLEscaping.escape(name))</th>"
            for (column, count) in counts.enumerated() {
                let share = total == 0 ? 0 : Double(count) / Double(total)
                let color = cellColor(share: share, correct: row == column)
                let ink = share > 0.55 ? "#fff" : "#222"
                let predicted = column < classNames.count ? classNames[column] : "class \(column)"
                let title = "\(name) predicted as \(predicted): \(count) of \(total)"
                out += "<td style=\"background:\(color);color:\(ink)\" title=\"\(HTMLEscaping.escape(title))\">"
                    + (count == 0 ? "" : "\(count)") + "</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody></table>"
    }

    /// White at 0, saturated blue (correct) or red (mistaken) at 1.
    static func cellColor(share: Double, correct: Bool) -> String {
        let t = min(max(share, 0), 1)
        let target: (Double, Double, Double) = correct ? (31, 119, 180) : (214, 39, 40)
        // Mistakes are rarer: a square root makes a few percent visible.
        let strength = correct ? t : t.squareRoot()
        let mix = { (to: Double) in Int((255 + (to - 255) * strength).rounded()) }
        return String(format: "#%02x%02x%02x", mix(target.0), mix(target.1), mix(target.2))
    }
}
