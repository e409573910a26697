import ImageFiles
@testable import InputData
import XCTest

/// The augmenter at sizes other than CIFAR's, against the definition pixel by pixel.
final class AugmenterSizeTests: XCTestCase {
    let size = ImageSize(height: 20, width: 28)

    func testEveryDrawMatchesTheDefinitionOnANonSquareImage() {
        let pixels = (0..<size.pixelsPerImage).map { UInt8(1 + $0 % 251) }
        func input(_ c: Int, _ y: Int, _ x: Int) -> Float { Float(pixels[c * size.planeSize + y * size.width + x]) / 255 }
        for padding in [AugmentSettings.TranslatePadding.mean, .reflect] {
            let settings = AugmentSettings(translate: 3, translatePadding: padding, flip: true, cutout: 5, normalization: .none)
            let augmenter = Augmenter(settings: settings, seed: 0, statistics: ChannelStatistics(mean: [0, 0, 0], std: [1, 1, 1]),
                                      imageSize: size)
            for (dx, dy, flip, cx, cy) in [(0, 0, false, 0, 0), (3, -2, false, 27, 19), (-3, 3, true, 10, 5), (2, 1, true, 13, 0)] {
                var out = [Float](repeating: -1, count: size.pixelsPerImage)
                pixels.withUnsafeBufferPointer { source in
                    out.withUnsafeMutableBufferPointer {
                        augmenter.apply(.init(dx: dx, dy: dy, flip: flip, cutoutX: cx, cutoutY: cy), pixels: source.baseAddress!,
                                        into: $0.baseAddress!)
                    }
                }
                for c in 0..<3 {
                    for y in 0..<size.height {
                        for x in 0..<size.width {
                            var sy = y + dy, sx = (flip ? size.width - 1 - x : x) + dx
                            var expected: Float
                            if padding == .reflect {
                                sy = Augmenter.reflect(sy, size.height)
                                sx = Augmenter.reflect(sx, size.width)
                                expected = input(c, sy, sx)
                            } else {
                                expected = (0..<size.height).contains(sy) && (0..<size.width).contains(sx) ? input(c, sy, sx) : 0
                            }
                            if (cx - 2..<cx + 3).contains(x) && (cy - 2..<cy + 3).contains(y) { expected = 0 }
                            XCTAssertEqual(out[c * size.planeSize + y * size.width + x], expected,
                                           "\(padding) dx \(dx) dy \(dy) flip \(flip) at \(c),\(y),\(x)")
                        }
                    }
                }
            }
        }
    }
}
