import CPNG
import CTurboJPEG
import Foundation

/// Turns a JPEG or PNG file into 8-bit RGB, by its first bytes rather than its name.
///
/// JPEG goes through TurboJPEG (libjpeg-turbo), PNG through libpng's simplified API; neither
/// reports errors with longjmp. Greyscale becomes RGB, alpha is dropped (as PIL's
/// `convert("RGB")` does), 16-bit PNG samples become 8-bit, and a damaged or truncated file is
/// an error (decoder warnings are errors too), never a half-grey picture. CMYK and YCCK JPEGs
/// are refused. EXIF orientation is ignored: pixels come in the order they are stored, as in
/// torchvision's `ImageFolder`.
///
/// One decoder per thread: the TurboJPEG handle is not shared.
public final class ImageDecoder {
    private let handle: tjhandle

    public init() {
        // Fails only when malloc does.
        handle = tjInitDecompress()!
    }

    deinit { tjDestroy(handle) }

    /// The file's pixels at full size, or (`reducingFor`) at the smallest of the JPEG decoder's
    /// DCT scales (1/8 to 1) that still gives `resizer` at least the pixels it samples, which
    /// is both faster and itself a low-pass filter. PNG is always decoded at full size.
    public func decode(path: String, reducingFor resizer: ImageResizer? = nil) throws -> RGBImage {
        let bytes = try Self.readFile(path)
        return try decode(bytes: bytes, path: path, reducingFor: resizer)
    }

    public func decode(bytes: [UInt8], path: String, reducingFor resizer: ImageResizer? = nil) throws -> RGBImage {
        guard !bytes.isEmpty else { throw ImageFileError.empty(path: path) }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return try decodeJPEG(bytes, path: path, resizer: resizer)
        }
        if bytes.count >= 8, bytes.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try Self.decodePNG(bytes, path: path)
        }
        throw ImageFileError.notAnImage(path: path)
    }

    private func message() -> String {
        String(cString: tjGetErrorStr2(handle))
    }

    private func decodeJPEG(_ bytes: [UInt8], path: String, resizer: ImageResizer?) throws -> RGBImage {
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        }
        guard header == 0, width > 0, height > 0 else { throw ImageFileError.corrupt(path: path, format: "JPEG", detail: message()) }
        if colorspace == Int32(TJCS_CMYK.rawValue) { throw ImageFileError.unsupportedColor(path: path, model: "CMYK") }
        if colorspace == Int32(TJCS_YCCK.rawValue) { throw ImageFileError.unsupportedColor(path: path, model: "YCCK (CMYK)") }
        var (outWidth, outHeight) = (Int(width), Int(height))
        if let resizer {
            let need = resizer.minimumSource(width: Int(width), height: Int(height))
            var count: Int32 = 0
            if let factors = tjGetScalingFactors(&count) {
                var best = (outWidth, outHeight)
                for factor in UnsafeBufferPointer(start: factors, count: Int(count)) {
                    let w = (Int(width) * Int(factor.num) + Int(factor.denom) - 1) / Int(factor.denom)
                    let h = (Int(height) * Int(factor.num) + Int(factor.denom) - 1) / Int(factor.denom)
                    if w >= need.width, h >= need.height, w * h < best.0 * best.1 { best = (w, h) }
                }
                (outWidth, outHeight) = best
            }
        }
        var pixels = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        let status = bytes.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { output in
                tjDecompress2(handle, source.baseAddress, UInt(bytes.count), output.baseAddress, Int32(outWidth), 0,
                              Int32(outHeight), Int32(TJPF_RGB.rawValue), TJFLAG_STOPONWARNING)
            }
        }
        guard status == 0 else { throw ImageFileError.corrupt(path: path, format: "JPEG", detail: message()) }
        return RGBImage(width: outWidth, height: outHeight, pixels: pixels, storedWidth: Int(width), storedHeight: Int(height))
    }

    private static func pngMessage(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    private static func decodePNG(_ bytes: [UInt8], path: String) throws -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw ImageFileError.corrupt(path: path, format: "PNG", detail: pngMessage(image)) }
        // Read with alpha when there is one, then drop it: composing onto a background would
        // change the colours PIL's convert("RGB") keeps.
        let alpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let channels = alpha ? 4 : 3
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR) | (alpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0 else { throw ImageFileError.corrupt(path: path, format: "PNG", detail: "no pixels") }
        var buffer = [UInt8](repeating: 0, count: width * height * channels)
        let finished = bytes.withUnsafeBytes { _ in
            buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, Int32(width * channels), nil) }
        }
        guard finished != 0 else { throw ImageFileError.corrupt(path: path, format: "PNG", detail: pngMessage(image)) }
        guard alpha else { return RGBImage(width: width, height: height, pixels: buffer) }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            rgb[3 * i] = buffer[4 * i]
            rgb[3 * i + 1] = buffer[4 * i + 1]
            rgb[3 * i + 2] = buffer[4 * i + 2]
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// The whole file, with errno's words when it cannot be read.
    static func readFile(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ImageFileError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ImageFileError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw ImageFileError.unreadable(path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + done, size - done) }
            if got < 0 {
                if errno == EINTR { continue }
                throw ImageFileError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { break }
            done += got
        }
        return done == size ? bytes : Array(bytes.prefix(done))
    }
}
