import FilterImages

/// An RGB picture drawn in memory: filled rectangles, lines of a given thickness (solid or
/// dashed), and text in the 5x7 bitmap font; `image` hands it to libpng.
struct RGBCanvas {
    struct Color: Equatable {
        var red: UInt8, green: UInt8, blue: UInt8
        static let white = Color(red: 255, green: 255, blue: 255)
        static let black = Color(red: 0, green: 0, blue: 0)
        static let grid = Color(red: 225, green: 225, blue: 225)
        static let axis = Color(red: 90, green: 90, blue: 90)
    }

    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: Color = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    var image: PNGImage { PNGImage(width: width, height: height, channels: 3, pixels: pixels) }

    mutating func set(_ x: Int, _ y: Int, _ color: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let index = (y * width + x) * 3
        pixels[index] = color.red
        pixels[index + 1] = color.green
        pixels[index + 2] = color.blue
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) { set(column, row, color) }
        }
    }

    /// A line from (x0, y0) to (x1, y1), `thickness` pixels wide; `dash` > 0 draws dashes of
    /// that many pixels with gaps of the same length, counted along the line.
    mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, color: Color, thickness: Int = 1,
                       dash: Int = 0, dashOffset: Double = 0) {
        let length = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot()
        let steps = max(1, Int(length.rounded(.up)) * 2)
        let half = Double(thickness - 1) / 2
        for step in 0...steps {
            let t = Double(step) / Double(steps)
            if dash > 0, Int((dashOffset + t * length) / Double(dash)) % 2 == 1 { continue }
            let x = x0 + (x1 - x0) * t, y = y0 + (y1 - y0) * t
            let left = Int((x - half).rounded()), top = Int((y - half).rounded())
            fill(x: left, y: top, width: thickness, height: thickness, color: color)
        }
    }

    /// Text with its top-left corner at (x, y), each font pixel `scale` x `scale`.
    mutating func text(_ text: String, x: Int, y: Int, color: Color = .black, scale: Int = 1) {
        var left = x
        for character in text {
            for row in 0..<BitmapFont.height {
                for column in 0..<BitmapFont.width where BitmapFont.isSet(character, x: column, y: row) {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
            left += (BitmapFont.width + BitmapFont.spacing) * scale
        }
    }

    /// Text rotated a quarter turn counter-clockwise (reading bottom to top), its glyphs' top
    /// edge at column x, starting at row y (the bottom end).
    mutating func verticalText(_ text: String, x: Int, y: Int, color: Color = .black, scale: Int = 1) {
        var bottom = y
        for character in text {
            for row in 0..<BitmapFont.height {
                for column in 0..<BitmapFont.width where BitmapFont.isSet(character, x: column, y: row) {
                    fill(x: x + row * scale, y: bottom - (column + 1) * scale, width: scale, height: scale, color: color)
                }
            }
            bottom -= (BitmapFont.width + BitmapFont.spacing) * scale
        }
    }
}
