/// An RGB color with components in 0...255, as plots and reports name them.
public struct PlotColor: Equatable, Sendable {
    public var red: UInt8, green: UInt8, blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = PlotColor(red: 255, green: 255, blue: 255)
    public static let black = PlotColor(red: 0, green: 0, blue: 0)
    public static let grid = PlotColor(red: 225, green: 225, blue: 225)
    public static let axis = PlotColor(red: 90, green: 90, blue: 90)

    /// Colors of runs 1, 2, ... (matplotlib's tab10), repeated past ten runs, so that a run has
    /// the same color in every figure of a report.
    public static let palette: [PlotColor] = [
        .init(red: 31, green: 119, blue: 180), .init(red: 255, green: 127, blue: 14), .init(red: 44, green: 160, blue: 44),
        .init(red: 214, green: 39, blue: 40), .init(red: 148, green: 103, blue: 189), .init(red: 140, green: 86, blue: 75),
        .init(red: 227, green: 119, blue: 194), .init(red: 127, green: 127, blue: 127), .init(red: 188, green: 189, blue: 34),
        .init(red: 23, green: 190, blue: 207),
    ]

    public static func run(_ index: Int) -> PlotColor { palette[index % palette.count] }

    /// "#rrggbb", for HTML and CSS.
    public var hex: String {
        "#" + [red, green, blue].map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
