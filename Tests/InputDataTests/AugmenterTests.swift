@testable import InputData
import XCTest

final class AugmenterTests: XCTestCase {
    /// Pixel value encodes (channel, y, x), all distinct from 0 after /255.
    let image: [UInt8] = (0..<3072).map { (i: Int) -> UInt8 in
        let channel = i / 1024, y = (i % 1024) / 32, x = i % 32
        return UInt8(1 + (channel * 71 + y * 37 + x * 11 + x * x) % 254)
    }

    func run(_ settings: AugmentSettings, _ draw: Augmenter.Draw) -> [Float] {
        let augmenter = Augmenter(settings: settings, seed: 0, statistics: ChannelStatistics(mean: [0, 0, 0], std: [1, 1, 1]))
        var out = [Float](repeating: .nan, count: 3072)
        image.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { augmenter.apply(draw, pixels: input.baseAddress!, into: $0.baseAddress!) }
        }
        return out
    }

    func input(_ c: Int, _ y: Int, _ x: Int) -> Float {
        guard (0..<32).contains(y), (0..<32).contains(x) else { return 0 }
        return Float(image[c * 1024 + y * 32 + x]) / 255
    }

    func testTranslateAndFlipMatchTheDefinition() {
        for (dx, dy, flip) in [(0, 0, false), (3, -2, false), (-4, 4, true), (2, 1, true), (-40, 0, false)] {
            let out = run(AugmentSettings(translate: 4, flip: true), .init(dx: dx, dy: dy, flip: flip, cutoutX: 0, cutoutY: 0))
            for c in 0..<3 {
                for y in 0..<32 {
                    for x in 0..<32 {
                        let sx = (flip ? 31 - x : x) + dx
                        XCTAssertEqual(out[c * 1024 + y * 32 + x], input(c, y + dy, sx), "dx \(dx) dy \(dy) flip \(flip) at \(c),\(y),\(x)")
                    }
                }
            }
        }
    }

    func testCutoutZeroesAClippedSquare() {
        let out = run(AugmentSettings(cutout: 8), .init(dx: 0, dy: 0, flip: false, cutoutX: 30, cutoutY: 10))
        for c in 0..<3 {
            for y in 0..<32 {
                for x in 0..<32 {
                    let inside = (26..<32).contains(x) && (6..<14).contains(y)
                    XCTAssertEqual(out[c * 1024 + y * 32 + x], inside ? 0 : input(c, y, x))
                }
            }
        }
    }

    func testNormalisationAndDrawsArePureFunctions() throws {
        let settings = AugmentSettings(translate: 2, flip: true, cutout: 4, normalization: .meanStd(mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5]))
        let augmenter = try Augmenter(settings: settings, seed: 9)
        XCTAssertEqual(augmenter.draw(epoch: 3, sampleIndex: 17), augmenter.draw(epoch: 3, sampleIndex: 17))
        let draws = (0..<200).map { augmenter.draw(epoch: 0, sampleIndex: $0) }
        XCTAssertEqual(Set(draws.map(\.dx)), Set(-2...2))
        XCTAssertTrue(draws.contains { $0.flip } && draws.contains { !$0.flip })
        XCTAssertNotEqual(draws, (0..<200).map { augmenter.draw(epoch: 1, sampleIndex: $0) })
        let plain = Augmenter(settings: AugmentSettings(normalization: settings.normalization), seed: 0, statistics: augmenter.statistics)
        var out = [Float](repeating: 0, count: 3072)
        image.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { plain.transform(pixels: input.baseAddress!, epoch: 0, sampleIndex: 0, into: $0.baseAddress!) }
        }
        XCTAssertEqual(out[1024 + 5], (Float(image[1024 + 5]) / 255 - 0.4) / 0.25, accuracy: 1e-6)
    }

    func testAutoNormalisationMeasuresTheTrainingSplit() throws {
        let source = SyntheticDataset(seed: 2, count: 300)
        let augmenter = try Augmenter(settings: AugmentSettings(normalization: .auto), seed: 0, trainingSource: source)
        // Normalised values over the set have mean about 0 and std about 1 per channel.
        var sum = [Double](repeating: 0, count: 3), squares = [Double](repeating: 0, count: 3)
        var out = [Float](repeating: 0, count: 3072)
        for i in 0..<source.count {
            let pixels = source.pixels(at: i)
            pixels.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { augmenter.transform(pixels: input.baseAddress!, epoch: 0, sampleIndex: i, into: $0.baseAddress!) }
            }
            for p in 0..<3072 { sum[p / 1024] += Double(out[p]); squares[p / 1024] += Double(out[p] * out[p]) }
        }
        for c in 0..<3 {
            let n = Double(source.count * 1024)
            XCTAssertEqual(sum[c] / n, 0, accuracy: 1e-3)
            XCTAssertEqual(squares[c] / n, 1, accuracy: 1e-3)
        }
        XCTAssertThrowsError(try Augmenter(settings: AugmentSettings(normalization: .auto), seed: 0))
    }
}
