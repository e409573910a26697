/// The first convolution's filters as `conveyor filters` draws them, for a report.
public struct ReportFilters {
    public let png: [UInt8]
    /// What the picture shows, e.g. "conv1: 24 filters of 3 channels, 3x3".
    public let caption: String
    /// The picture's width in pixels; the page enlarges small grids (3x3 filters) to be seen.
    public let width: Int

    public init(png: [UInt8], caption: String, width: Int) {
        self.png = png
        self.caption = caption
        self.width = width
    }

    /// The width the page shows the grid at: a whole multiple of its pixels (so that weights
    /// stay sharp squares), about 240 to 480 pixels wide when the grid is smaller.
    var displayWidth: Int {
        guard width > 0 else { return 0 }
        return width * max(1, 360 / width)
    }
}
