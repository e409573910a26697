import Foundation

/// The file formats a plot is written in, chosen by the extension of `--out`.
public enum PlotFormat: String, CaseIterable, Sendable {
    case png
    case svg

    /// The format `path`'s extension names (case-insensitive); any other extension is refused
    /// before anything is drawn.
    public init(path: String, option: String = "--out") throws {
        let ext = (path as NSString).pathExtension.lowercased()
        guard let format = PlotFormat(rawValue: ext) else {
            throw PlotError("\(option) \(path): the file name must end in .png or .svg (it chooses the format)")
        }
        self = format
    }
}
