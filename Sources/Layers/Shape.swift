/// The shape of one image's activations, channels x height x width (NCHW without the N).
public struct Shape: Hashable, Codable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Values per image.
    public var count: Int { channels * height * width }

    public var description: String { "\(channels)x\(height)x\(width)" }
}
