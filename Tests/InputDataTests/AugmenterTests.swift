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
    // MARK: reflect padding

    /// PyTorch's 'reflect' index: no repeated edge.
    func testReflectIndexMatchesPyTorch() {
        XCTAssertEqual((-3...34).map { Augmenter.reflect($0, 32) },
                       [3, 2, 1] + Array(0..<32) + [30, 29, 28])
        XCTAssertEqual(Augmenter.reflect(-1, 4), 1)
        XCTAssertEqual(Augmenter.reflect(4, 4), 2)
    }

    /// A hand-computed corner: shifting by (dx 2, dy -1) moves the content left and down, so the
    /// top row is the reflection of row 1 (y + dy = -1 -> 1), and the last two columns read
    /// columns 32 -> 30 and 33 -> 29.
    func testReflectPaddingHandExample() {
        let out = run(AugmentSettings(translate: 2, translatePadding: .reflect), .init(dx: 2, dy: -1, flip: false, cutoutX: 0, cutoutY: 0))
        func at(_ c: Int, _ y: Int, _ x: Int) -> Float { out[c * 1024 + y * 32 + x] }
        XCTAssertEqual(at(0, 0, 0), input(0, 1, 2))     // row -1 -> 1
        XCTAssertEqual(at(0, 1, 0), input(0, 0, 2))
        XCTAssertEqual(at(0, 5, 29), input(0, 4, 31))
        XCTAssertEqual(at(0, 5, 30), input(0, 4, 30))   // column 32 -> 30
        XCTAssertEqual(at(0, 5, 31), input(0, 4, 29))   // column 33 -> 29
        XCTAssertEqual(at(2, 0, 31), input(2, 1, 29))   // both at once
        // Flipped: output x reads column 31 - x + dx, here 30 - x; x = 31 reads -1 -> 1.
        let flipped = run(AugmentSettings(translate: 1, translatePadding: .reflect, flip: true),
                          .init(dx: -1, dy: 1, flip: true, cutoutX: 0, cutoutY: 0))
        XCTAssertEqual(flipped[0], input(0, 1, 30))
        XCTAssertEqual(flipped[31], input(0, 1, 1))
        XCTAssertEqual(flipped[31 * 32 + 31], input(0, 30, 1))   // row 32 -> 30, column -1 -> 1
    }

    func testReflectPaddingMatchesTheDefinition() {
        func reflected(_ c: Int, _ y: Int, _ x: Int) -> Float { input(c, Augmenter.reflect(y, 32), Augmenter.reflect(x, 32)) }
        for (dx, dy, flip) in [(0, 0, false), (3, -2, false), (-4, 4, true), (2, 1, true), (-1, -1, false), (4, 4, true)] {
            let out = run(AugmentSettings(translate: 4, translatePadding: .reflect, flip: true),
                          .init(dx: dx, dy: dy, flip: flip, cutoutX: 0, cutoutY: 0))
            for c in 0..<3 {
                for y in 0..<32 {
                    for x in 0..<32 {
                        let sx = (flip ? 31 - x : x) + dx
                        XCTAssertEqual(out[c * 1024 + y * 32 + x], reflected(c, y + dy, sx), "dx \(dx) dy \(dy) flip \(flip) at \(c),\(y),\(x)")
                    }
                }
            }
        }
        // No pixel of the border is the mean any more (the test image has no zero).
        let out = run(AugmentSettings(translate: 4, translatePadding: .reflect), .init(dx: -4, dy: 4, flip: false, cutoutX: 0, cutoutY: 0))
        XCTAssertFalse(out.contains(0))
    }

    // MARK: alternating flip

    /// Each sample's flip is drawn once, then every odd epoch all images are mirrored the other
    /// way: epochs 0 and 2 agree, epoch 1 is the opposite, and epoch 0 equals the random flip's.
    func testAlternatingFlipAcrossEpochs() throws {
        let alternate = Augmenter(settings: AugmentSettings(translate: 2, flip: .alternate, cutout: 4), seed: 9,
                                  statistics: ChannelStatistics(mean: [0, 0, 0], std: [1, 1, 1]))
        let random = Augmenter(settings: AugmentSettings(translate: 2, flip: true, cutout: 4), seed: 9,
                               statistics: alternate.statistics)
        var flips: [[Bool]] = []
        for epoch in 0..<5 {
            let draws = (0..<200).map { alternate.draw(epoch: epoch, sampleIndex: $0) }
            flips.append(draws.map(\.flip))
            // Translation and cutout still change every epoch, as with the random flip.
            let plain = (0..<200).map { random.draw(epoch: epoch, sampleIndex: $0) }
            XCTAssertEqual(draws.map(\.dx), plain.map(\.dx))
            XCTAssertEqual(draws.map(\.cutoutY), plain.map(\.cutoutY))
            if epoch == 0 { XCTAssertEqual(draws, plain) }
        }
        XCTAssertEqual(flips[0], flips[2])
        XCTAssertEqual(flips[0], flips[4])
        XCTAssertEqual(flips[1], flips[0].map { !$0 })
        XCTAssertEqual(flips[3], flips[1])
        XCTAssertTrue(flips[0].contains(true) && flips[0].contains(false))
        // The same sample's pixels: epoch 1 is the mirror of epoch 0 when nothing else moves.
        let still = Augmenter(settings: AugmentSettings(flip: .alternate), seed: 9, statistics: alternate.statistics)
        func pixels(_ epoch: Int) -> [Float] {
            var out = [Float](repeating: 0, count: 3072)
            image.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { still.transform(pixels: input.baseAddress!, epoch: epoch, sampleIndex: 7, into: $0.baseAddress!) }
            }
            return out
        }
        let e0 = pixels(0), e1 = pixels(1), e2 = pixels(2)
        XCTAssertEqual(e0, e2)
        XCTAssertNotEqual(e0, e1)
        for row in 0..<96 { XCTAssertEqual(Array(e1[(row * 32)..<(row * 32 + 32)]), e0[(row * 32)..<(row * 32 + 32)].reversed()) }
        // The random flip, by contrast, is drawn again each epoch.
        let randomFlips = (0..<4).map { epoch in (0..<200).map { random.draw(epoch: epoch, sampleIndex: $0).flip } }
        XCTAssertNotEqual(randomFlips[0], randomFlips[2])
    }
}
