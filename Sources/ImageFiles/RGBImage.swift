/// A decoded 8-bit RGB picture, rows from the top, channels interleaved (RGBRGB...): the form
/// both decoders produce and the resizer reads.
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]
    /// The size stored in the file, before any reduction while decoding.
    public var storedWidth: Int
    public var storedHeight: Int

    public init(width: Int, height: Int, pixels: [UInt8], storedWidth: Int? = nil, storedHeight: Int? = nil) {
        precondition(pixels.count == width * height * 3, "\(pixels.count) bytes do not make a \(width)x\(height) RGB image")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.storedWidth = storedWidth ?? width
        self.storedHeight = storedHeight ?? height
    }
}
