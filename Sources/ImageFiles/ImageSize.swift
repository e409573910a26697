/// The height and width, in pixels, images are brought to before training (`data.image_size`).
public struct ImageSize: Hashable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// CIFAR's 32x32, the size of every built-in data set.
    public static let cifar = ImageSize(height: 32, width: 32)

    public var planeSize: Int { height * width }
    /// Bytes of one RGB image in planes (CHW).
    public var pixelsPerImage: Int { 3 * planeSize }

    /// "HxW", as `--size` takes it.
    public var description: String { "\(height)x\(width)" }

    /// Parses "64x48" or "64" (square).
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let h = Int(parts[0]), let w = Int(parts[parts.count - 1]), h > 0, w > 0 else { return nil }
        self.init(height: h, width: w)
    }
}
