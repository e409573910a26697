/// Why an image file could not become RGB pixels; every case names the file.
public enum ImageFileError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be opened or read (permissions, a folder, vanished).
    case unreadable(path: String, reason: String)
    /// Zero bytes.
    case empty(path: String)
    /// Neither a JPEG nor a PNG by its first bytes.
    case notAnImage(path: String)
    /// The decoder stopped: damaged or truncated data (the decoder's words in `detail`).
    case corrupt(path: String, format: String, detail: String)
    /// A colour model that does not become RGB without a colour profile (CMYK, YCCK).
    case unsupportedColor(path: String, model: String)
    /// The picture is smaller than the pipeline allows (`data.min_image_side`).
    case tooSmall(path: String, width: Int, height: Int, minimum: Int)

    public var path: String {
        switch self {
        case let .unreadable(path, _), let .empty(path), let .notAnImage(path), let .corrupt(path, _, _),
             let .unsupportedColor(path, _), let .tooSmall(path, _, _, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot be read (\(reason)); check that it is a file you may read"
        case let .empty(path):
            return "\(path): the file is empty (0 bytes); copy it again or remove it (or set data.on_bad_image: skip)"
        case let .notAnImage(path):
            return "\(path): not a JPEG or PNG image (its first bytes are neither); convert it, or remove it "
                + "(or set data.on_bad_image: skip)"
        case let .corrupt(path, format, detail):
            return "\(path): the \(format) data is damaged or truncated (\(detail)); copy it again or remove it "
                + "(or set data.on_bad_image: skip)"
        case let .unsupportedColor(path, model):
            return "\(path): a \(model) JPEG, which has no RGB without its colour profile; convert it to RGB "
                + "(e.g. `convert in.jpg -colorspace sRGB out.jpg`) or remove it (or set data.on_bad_image: skip)"
        case let .tooSmall(path, width, height, minimum):
            return "\(path): \(width)x\(height) pixels, smaller than \(minimum) on a side (data.min_image_side); "
                + "remove it, lower data.min_image_side, or set data.on_bad_image: skip"
        }
    }
}
