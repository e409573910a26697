import ImageFiles

/// A labelled set of RGB images of one size (`imageSize`, 32x32 unless the source says
/// otherwise), read by index.
///
/// Pixels are planes in the CIFAR-10 order: all red, then all green, then all blue, each plane
/// row by row from the top (3072 bytes at 32x32). Accessors do not throw: a source validates its data when it is made,
/// so that the per-sample path of the input stages stays free of error handling.
public protocol DataSource: Sendable {
    /// Number of samples.
    var count: Int { get }
    /// Names of the classes; a label is an index into this list.
    var classNames: [String] { get }
    /// The label of sample `index`, in `0..<classNames.count`.
    func label(at index: Int) -> Int
    /// Writes the `imageSize.pixelsPerImage` pixel bytes of sample `index` to `buffer`.
    func copyPixels(at index: Int, into buffer: UnsafeMutablePointer<UInt8>)
    /// The height and width of every image.
    var imageSize: ImageSize { get }
}

public extension DataSource {
    /// CIFAR's size, that of the built-in sources.
    var imageSize: ImageSize { .cifar }

    /// The pixels of one sample as an array (for tests and tools; the stages copy in place).
    func pixels(at index: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: imageSize.pixelsPerImage) { buffer, initialized in
            copyPixels(at: index, into: buffer.baseAddress!)
            initialized = imageSize.pixelsPerImage
        }
    }
}

/// Sizes of one CIFAR sample and record (the binary files; other sources give their own `imageSize`).
public enum DataLayout {
    public static let side = 32
    public static let channels = 3
    public static let planeSize = side * side            // 1024
    public static let pixelsPerImage = channels * planeSize  // 3072
    /// One record of the CIFAR-10 binary files: a label byte, then the pixels.
    public static let recordSize = 1 + pixelsPerImage       // 3073
}
