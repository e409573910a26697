import Checkpoints

/// A picture of a first convolution's filters, like the CS231n ones.
///
/// Weights [K, C, F, F] become K tiles of F x F pixels in a near-square grid (ceil(sqrt K)
/// columns). C = 3 gives RGB tiles, C = 1 grey; any other C gives grey tiles of the mean over
/// channels (`usesChannelMean`). Each filter is scaled on its own, min -> 0 and max -> 255
/// (a constant filter is mid-grey 128). Each weight is enlarged to `scale` x `scale` pixels;
/// the separators between tiles stay one pixel wide and are white (255), as are unused cells.
public struct FilterGrid: Sendable {
    public let image: PNGImage
    public let rows: Int
    public let columns: Int
    public let usesChannelMean: Bool

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public init(weights: Checkpoint.Tensor, scale: Int = 1) throws {
        guard weights.shape.count == 4, weights.isConsistent, weights.shape.allSatisfy({ $0 > 0 }) else {
            throw Error(description: "filter weights must be [K, C, F, F] with values filling the shape; got \(weights.shape) with \(weights.values.count) values")
        }
        guard weights.shape[2] == weights.shape[3] else {
            throw Error(description: "filters must be square; got \(weights.shape[2])x\(weights.shape[3])")
        }
        guard scale >= 1 else { throw Error(description: "scale must be at least 1; got \(scale)") }
        let (k, c, f) = (weights.shape[0], weights.shape[1], weights.shape[2])
        let channels = c == 3 ? 3 : 1
        columns = Int((Double(k).squareRoot()).rounded(.up))
        rows = (k + columns - 1) / columns
        usesChannelMean = c != 1 && c != 3
        let tile = f * scale
        let width = columns * tile + (columns - 1), height = rows * tile + (rows - 1)
        var pixels = [UInt8](repeating: 255, count: width * height * channels)
        let plane = f * f
        for filter in 0..<k {
            // The F x F x channels values drawn for this filter.
            var values = [Float](repeating: 0, count: plane * channels)
            let base = filter * c * plane
            for p in 0..<plane {
                if channels == 3 {
                    for ch in 0..<3 { values[p * 3 + ch] = weights.values[base + ch * plane + p] }
                } else {
                    var sum: Float = 0
                    for ch in 0..<c { sum += weights.values[base + ch * plane + p] }
                    values[p] = sum / Float(c)
                }
            }
            let finite = values.filter { $0.isFinite }
            let low = finite.min() ?? 0, high = finite.max() ?? 0
            let bytes: [UInt8] = values.map { v in
                guard v.isFinite else { return 0 }
                guard high > low else { return 128 }
                return UInt8(((v - low) / (high - low) * 255).rounded())
            }
            let originX = (filter % columns) * (tile + 1), originY = (filter / columns) * (tile + 1)
            for y in 0..<tile {
                for x in 0..<tile {
                    let source = ((y / scale) * f + x / scale) * channels
                    let target = ((originY + y) * width + originX + x) * channels
                    for ch in 0..<channels { pixels[target + ch] = bytes[source + ch] }
                }
            }
        }
        image = PNGImage(width: width, height: height, channels: channels, pixels: pixels)
    }
}
