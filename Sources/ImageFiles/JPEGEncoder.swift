import CTurboJPEG

/// Writes JPEG files through TurboJPEG: what tests and benchmarks make their image folders
/// with (colour, greyscale and CMYK pictures).
public enum JPEGEncoder {
    public enum Pixels {
        case rgb, grey, cmyk

        var format: TJPF {
            switch self {
            case .rgb: return TJPF_RGB
            case .grey: return TJPF_GRAY
            case .cmyk: return TJPF_CMYK
            }
        }

        var channels: Int {
            switch self {
            case .rgb: return 3
            case .grey: return 1
            case .cmyk: return 4
            }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "JPEG encoding failed: \(message)" }
    }

    /// The JPEG bytes of interleaved `pixels` (`pixels.channels` bytes per pixel, rows from the top).
    public static func encode(_ bytes: [UInt8], width: Int, height: Int, pixels: Pixels = .rgb, quality: Int = 90) throws -> [UInt8] {
        guard bytes.count == width * height * pixels.channels, let handle = tjInitCompress() else {
            throw Failure(message: "\(bytes.count) bytes do not make a \(width)x\(height) image")
        }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let subsampling = pixels == .grey ? TJSAMP_GRAY : TJSAMP_420
        let status = bytes.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), Int32(pixels.format.rawValue), &output, &size,
                        Int32(subsampling.rawValue), Int32(quality), 0)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else { throw Failure(message: String(cString: tjGetErrorStr2(handle))) }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}
