import CPNG

/// Writes PNG files through libpng's simplified API: what tests make their image folders with
/// (grey, grey+alpha, RGB, RGBA, at 8 or 16 bits).
public enum PNGEncoder {
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "PNG encoding failed: \(message)" }
    }

    /// Writes interleaved 8-bit samples (`channels` 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) to `path`.
    public static func write(_ samples: [UInt8], width: Int, height: Int, channels: Int, to path: String) throws {
        try write(samples, width: width, height: height, channels: channels, linear: false, to: path)
    }

    /// 16-bit samples; libpng stores them as linear-light values (its 16-bit convention).
    public static func write16(_ samples: [UInt16], width: Int, height: Int, channels: Int, to path: String) throws {
        try write(samples, width: width, height: height, channels: channels, linear: true, to: path)
    }

    private static func write<T>(_ samples: [T], width: Int, height: Int, channels: Int, linear: Bool, to path: String) throws {
        guard (1...4).contains(channels), samples.count == width * height * channels else {
            throw Failure(message: "\(samples.count) samples do not make a \(width)x\(height) image of \(channels) channels")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        let color = channels >= 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0
        let alpha = channels % 2 == 0 ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0
        image.format = color | alpha | (linear ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
        defer { png_image_free(&image) }
        let ok = samples.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, 0, nil) }
        if ok == 0 {
            throw Failure(message: withUnsafeBytes(of: image.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) })
        }
    }
}
