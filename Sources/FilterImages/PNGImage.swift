import CPNG

/// An 8-bit image (grey, grey+alpha, RGB or RGBA, row-major, channels interleaved), read and
/// written through libpng's simplified API, which reports errors in `png_image.message` instead
/// of longjmp.
public struct PNGImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let path: String
        public let message: String
        public var description: String { "PNG \(path): \(message)" }
    }

    private static func format(channels: Int) -> UInt32? {
        switch channels {
        case 1: return 0
        case 2: return UInt32(PNG_FORMAT_FLAG_ALPHA)
        case 3: return UInt32(PNG_FORMAT_FLAG_COLOR)
        case 4: return UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        default: return nil
        }
    }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    public func write(to path: String) throws {
        guard let format = Self.format(channels: channels), width > 0, height > 0,
              pixels.count == width * height * channels else {
            throw Error(path: path, message: "\(pixels.count) bytes do not make a \(width)x\(height) image of \(channels) channels")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        let ok = pixels.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, 0, nil) }
        defer { png_image_free(&image) }
        if ok == 0 { throw Error(path: path, message: Self.message(image)) }
    }

    /// The PNG file's bytes, without a file (TensorBoard image summaries carry them inline).
    public func encoded() throws -> [UInt8] {
        guard let format = Self.format(channels: channels), width > 0, height > 0,
              pixels.count == width * height * channels else {
            throw Error(path: "(memory)", message: "\(pixels.count) bytes do not make a \(width)x\(height) image of \(channels) channels")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        defer { png_image_free(&image) }
        // First call measures, second writes (libpng's two-pass memory API).
        var size = 0
        let measured = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard measured != 0, size > 0 else { throw Error(path: "(memory)", message: Self.message(image)) }
        var bytes = [UInt8](repeating: 0, count: size)
        let ok = bytes.withUnsafeMutableBytes { out in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard ok != 0 else { throw Error(path: "(memory)", message: Self.message(image)) }
        return Array(bytes.prefix(size))
    }

    /// Reads a PNG as 8-bit grey, grey+alpha, RGB or RGBA, whichever is closest to the file.
    public init(contentsOf path: String) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw Error(path: path, message: Self.message(image))
        }
        let color = image.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let alpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let channels = (color ? 3 : 1) + (alpha ? 1 : 0)
        image.format = Self.format(channels: channels)!
        let width = Int(image.width), height = Int(image.height)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        if ok == 0 {
            let text = Self.message(image)
            png_image_free(&image)
            throw Error(path: path, message: text)
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }
}
