import CCairo
import Foundation

/// A picture drawn through cairo: antialiased paths and text in DejaVu Sans (installed with
/// `fonts-dejavu-core` by scripts/install-deps; fontconfig picks the nearest font elsewhere),
/// ended as PNG bytes or SVG text. Coordinates are pixels from the top-left corner.
public final class CairoCanvas {
    public enum TextAnchor { case start, middle, end }

    public let width: Int
    public let height: Int
    public let format: PlotFormat
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    /// Where the SVG surface writes; cairo calls back into it until the surface is finished.
    private let sink = ByteSink()
    private var finished = false

    public static let fontFamily = "DejaVu Sans"

    public init(width: Int, height: Int, format: PlotFormat, background: PlotColor = .white) throws {
        guard width > 0, height > 0, width <= 32767, height <= 32767 else {
            throw PlotError("a \(width)x\(height) picture cannot be drawn; give 1 to 32767 pixels each way")
        }
        self.width = width
        self.height = height
        self.format = format
        switch format {
        case .png:
            // RGB24 has no alpha channel, so the PNG cairo writes is plain RGB.
            surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        case .svg:
            surface = cairo_svg_surface_create_for_stream(ByteSink.write, Unmanaged.passUnretained(sink).toOpaque(),
                                                          Double(width), Double(height))
            // Pixels, so that an inline <svg> has the size the layout was drawn for.
            cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            let reason = String(cString: cairo_status_to_string(cairo_surface_status(surface)))
            cairo_surface_destroy(surface)
            throw PlotError("cairo cannot make a \(width)x\(height) \(format.rawValue) surface: \(reason)")
        }
        cr = cairo_create(surface)
        cairo_select_font_face(cr, Self.fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        fillRectangle(x: 0, y: 0, width: Double(width), height: Double(height), color: background)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    private func setColor(_ color: PlotColor, alpha: Double = 1) {
        cairo_set_source_rgba(cr, Double(color.red) / 255, Double(color.green) / 255, Double(color.blue) / 255, alpha)
    }

    public func fillRectangle(x: Double, y: Double, width: Double, height: Double, color: PlotColor, alpha: Double = 1) {
        setColor(color, alpha: alpha)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    public func strokeRectangle(x: Double, y: Double, width: Double, height: Double, color: PlotColor, lineWidth: Double = 1) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_set_dash(cr, nil, 0, 0)
        cairo_rectangle(cr, x, y, width, height)
        cairo_stroke(cr)
    }

    /// A polyline through `points`; `dash` (on, off lengths) > 0 draws it dashed, the pattern
    /// running on across the vertices.
    public func polyline(_ points: [(x: Double, y: Double)], color: PlotColor, lineWidth: Double, dash: Double = 0) {
        guard let first = points.first else { return }
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, dash > 0 ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND)
        if dash > 0 {
            var pattern = [dash, dash * 0.6]
            cairo_set_dash(cr, &pattern, 2, 0)
        } else {
            cairo_set_dash(cr, nil, 0, 0)
        }
        cairo_move_to(cr, first.x, first.y)
        for point in points.dropFirst() { cairo_line_to(cr, point.x, point.y) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    public func line(from a: (x: Double, y: Double), to b: (x: Double, y: Double), color: PlotColor, lineWidth: Double = 1,
                     dash: Double = 0) {
        polyline([a, b], color: color, lineWidth: lineWidth, dash: dash)
    }

    public func circle(x: Double, y: Double, radius: Double, color: PlotColor, filled: Bool = true) {
        setColor(color)
        cairo_new_sub_path(cr)
        cairo_arc(cr, x, y, radius, 0, 2 * Double.pi)
        if filled {
            cairo_fill(cr)
        } else {
            cairo_set_line_width(cr, 1.5)
            cairo_stroke(cr)
        }
    }

    /// The width `text` takes at `size` (pixels).
    public func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        selectFont(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// `text` (any Unicode the font has) with its baseline at `y`, anchored at `x`; `vertical`
    /// reads bottom to top, the anchor then along the vertical.
    public func text(_ text: String, x: Double, y: Double, size: Double, color: PlotColor = .black, anchor: TextAnchor = .start,
                     bold: Bool = false, vertical: Bool = false) {
        let width = textWidth(text, size: size, bold: bold)
        let offset: Double
        switch anchor {
        case .start: offset = 0
        case .middle: offset = -width / 2
        case .end: offset = -width
        }
        setColor(color)
        cairo_save(cr)
        cairo_translate(cr, x, y)
        if vertical { cairo_rotate(cr, -Double.pi / 2) }
        cairo_move_to(cr, offset, 0)
        cairo_show_text(cr, text)
        cairo_restore(cr)
    }

    func selectFontForMeasuring(size: Double) { selectFont(size: size, bold: false) }

    var context: OpaquePointer { cr }

    private func selectFont(size: Double, bold: Bool) {
        cairo_select_font_face(cr, Self.fontFamily, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    /// The finished picture in its format: PNG bytes, or the SVG document's UTF-8 bytes.
    public func encoded() throws -> [UInt8] {
        switch format {
        case .png:
            cairo_surface_flush(surface)
            let png = ByteSink()
            let status = cairo_surface_write_to_png_stream(surface, ByteSink.write, Unmanaged.passUnretained(png).toOpaque())
            guard status == CAIRO_STATUS_SUCCESS else {
                throw PlotError("cairo cannot encode the PNG: \(String(cString: cairo_status_to_string(status)))")
            }
            return png.bytes
        case .svg:
            if !finished {
                cairo_surface_finish(surface)
                finished = true
            }
            let status = cairo_surface_status(surface)
            guard status == CAIRO_STATUS_SUCCESS else {
                throw PlotError("cairo cannot write the SVG: \(String(cString: cairo_status_to_string(status)))")
            }
            return sink.bytes
        }
    }

    /// Writes the picture to `path` (its format is the canvas's).
    public func write(to path: String) throws {
        let bytes = try encoded()
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw PlotError("cannot write \(path); check that its folder exists and is writable")
        }
    }
}

extension CairoCanvas {
    /// The font's glyph index for each character of `text`; 0 is the font's "missing glyph" box,
    /// which is how a name the font cannot draw would show.
    func glyphIndices(_ text: String, size: Double = 14) -> [UInt] {
        selectFontForMeasuring(size: size)
        var glyphs: UnsafeMutablePointer<cairo_glyph_t>?
        var count: Int32 = 0
        let font = cairo_get_scaled_font(context)
        let status = cairo_scaled_font_text_to_glyphs(font, 0, 0, text, -1, &glyphs, &count, nil, nil, nil)
        defer { cairo_glyph_free(glyphs) }
        guard status == CAIRO_STATUS_SUCCESS, let glyphs else { return [] }
        return (0..<Int(count)).map { UInt(glyphs[$0].index) }
    }
}
