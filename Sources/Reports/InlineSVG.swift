import Foundation

/// An SVG document from cairo made fit to sit inside an HTML page beside others: no XML
/// declaration, and every id prefixed. cairo names the glyph outlines and clip paths of every
/// document alike (`glyph0-1`, `clip1`), and in one HTML page a `<use href="#glyph0-1">` finds the
/// first element of that id in the whole page, so without the prefix a figure's labels would be
/// drawn with another figure's glyphs.
enum InlineSVG {
    static func embed(_ document: String, prefix: String, id: String, label: String) -> String {
        var svg = document
        if let start = svg.range(of: "<svg") { svg = String(svg[start.lowerBound...]) }
        svg = svg.replacingOccurrences(of: "id=\"", with: "id=\"\(prefix)-")
            .replacingOccurrences(of: "href=\"#", with: "href=\"#\(prefix)-")
            .replacingOccurrences(of: "url(#", with: "url(#\(prefix)-")
        // The figure's own id and an accessible name on the root element.
        svg = svg.replacingOccurrences(of: "<svg", with: "<svg id=\"\(id)\" role=\"img\" aria-label=\"\(HTMLEscaping.escape(label))\"",
                                       options: [], range: svg.range(of: "<svg"))
        return svg.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
