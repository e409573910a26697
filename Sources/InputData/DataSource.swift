/// A labelled set of 32x32 RGB images, read by index.
///
/// Pixels are 3072 bytes in the CIFAR-10 order: 1024 red, 1024 green, 1024 blue, each plane
/// row by row from the top. Accessors do not throw: a source validates its data when it is made,
/// so that the per-sample path of the input stages stays free of error handling.
public protocol DataSource: Sendable {
    /// Number of samples.
    var count: Int { get }
    /// Names of the classes; a label is an index into this list.
    var classNames: [String] { get }
    /// The label of sample `index`, in `0..<classNames.count`.
    func label(at index: Int) -> Int
    /// Writes the 3072 pixel bytes of sample `index` to `buffer`.
    func copyPixels(at index: Int, into buffer: UnsafeMutablePointer<UInt8>)
}

public extension DataSource {
    /// The pixels of one sample as an array (for tests and tools; the stages copy in place).
    func pixels(at index: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: DataLayout.pixelsPerImage) { buffer, initialized in
            copyPixels(at: index, into: buffer.baseAddress!)
            initialized = DataLayout.pixelsPerImage
        }
    }
}

/// Sizes of one CIFAR-shaped sample.
public enum DataLayout {
    public static let side = 32
    public static let channels = 3
    public static let planeSize = side * side            // 1024
    public static let pixelsPerImage = channels * planeSize  // 3072
    /// One record of the CIFAR-10 binary files: a label byte, then the pixels.
    public static let recordSize = 1 + pixelsPerImage       // 3073
}
