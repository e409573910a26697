import FilterImages
import Training

/// One wrongly classified image of a report's gallery: the prediction and the image as PNG.
public struct ReportThumbnail {
    public let prediction: ImagePrediction
    public let png: [UInt8]

    public init(prediction: ImagePrediction, png: [UInt8]) {
        self.prediction = prediction
        self.png = png
    }

    /// A PNG of an image stored as the data sources store it: `channels` planes of side x side
    /// bytes (CIFAR-10's order, red plane first).
    public static func png(planes: [UInt8], side: Int, channels: Int) throws -> [UInt8] {
        let plane = side * side
        precondition(planes.count == plane * channels, "\(planes.count) bytes are not \(channels) planes of \(side)x\(side)")
        var pixels = [UInt8](repeating: 0, count: planes.count)
        for p in 0..<plane {
            for c in 0..<channels { pixels[p * channels + c] = planes[c * plane + p] }
        }
        return try PNGImage(width: side, height: side, channels: channels, pixels: pixels).encoded()
    }
}
