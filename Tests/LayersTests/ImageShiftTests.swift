import Layers
import OpenCLRuntime
import XCTest

/// `shift_reflect_f32` (ImageShift) against its CPU reference, and the reference against
/// airbench's pad-then-crop with the padding written out.
final class ImageShiftTests: XCTestCase {
    let context = LayerTestDevice.context

    /// Distinct values everywhere, so a wrong index cannot go unseen.
    func image(batch: Int, shape: Shape) -> [Float] {
        (0..<(batch * shape.count)).map { Float($0) * 0.5 + 1 }
    }

    func testReferenceIsAirbenchsPadAndCrop() {
        let shape = Shape(channels: 2, height: 5, width: 7)
        let x = image(batch: 3, shape: shape)
        // padded[0:H, 0:W]: content moves down-right; padded[2:H+2, 2:W+2]: up-left.
        XCTAssertEqual(ImageShiftReference.apply(x, batch: 3, shape: shape, dy: 1, dx: 1),
                       ImageShiftReference.padAndCrop(x, batch: 3, shape: shape, top: 0, left: 0))
        XCTAssertEqual(ImageShiftReference.apply(x, batch: 3, shape: shape, dy: -1, dx: -1),
                       ImageShiftReference.padAndCrop(x, batch: 3, shape: shape, top: 2, left: 2))
        XCTAssertEqual(ImageShiftReference.apply(x, batch: 3, shape: shape, dy: 0, dx: 0),
                       ImageShiftReference.padAndCrop(x, batch: 3, shape: shape, top: 1, left: 1))
        XCTAssertEqual(ImageShiftReference.apply(x, batch: 3, shape: shape, dy: 1, dx: -1),
                       ImageShiftReference.padAndCrop(x, batch: 3, shape: shape, top: 0, left: 2))
        // A hand-computed 1x3x3 plane [[1, 2, 3], [4, 5, 6], [7, 8, 9]] shifted down-right: the
        // reflect padding puts row 1 above row 0 and column 1 left of column 0.
        let small: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        XCTAssertEqual(ImageShiftReference.apply(small, batch: 1, shape: Shape(channels: 1, height: 3, width: 3), dy: 1, dx: 1),
                       [5, 4, 5, 2, 1, 2, 5, 4, 5])
        XCTAssertEqual(ImageShiftReference.apply(small, batch: 1, shape: Shape(channels: 1, height: 3, width: 3), dy: -1, dx: -1),
                       [5, 6, 5, 8, 9, 8, 5, 6, 5])
        XCTAssertEqual(ImageShiftReference.apply(small, batch: 1, shape: Shape(channels: 1, height: 3, width: 3), dy: 0, dx: 0, mirror: true),
                       [3, 2, 1, 6, 5, 4, 9, 8, 7])
    }

    func testKernelMatchesReference() throws {
        let shift = try ImageShift(context: context)
        for shape in [Shape(channels: 3, height: 5, width: 7), Shape(channels: 1, height: 3, width: 3), Shape(channels: 2, height: 9, width: 1),
                      Shape(channels: 3, height: 32, width: 32)] {
            for batch in [1, 3] {
                let x = image(batch: batch, shape: shape)
                let input = try context.buffer(x, label: "shift input")
                let output = try context.buffer(Float.self, count: x.count, label: "shift output")
                for dy in [-1, 0, 1] {
                    for dx in [-1, 0, 1] {
                        for mirror in [false, true] {
                            try output.fill(.nan)
                            try shift.apply(input, into: output, batch: batch, shape: shape, dy: dy, dx: dx, mirror: mirror)
                            XCTAssertEqual(try output.read(), ImageShiftReference.apply(x, batch: batch, shape: shape, dy: dy, dx: dx, mirror: mirror),
                                           "\(batch)x\(shape) dy \(dy) dx \(dx) mirror \(mirror)")
                        }
                    }
                }
            }
        }
    }

    /// Mirroring in the same pass equals HorizontalFlip after the shift.
    func testMirrorEqualsHorizontalFlipOfTheShift() throws {
        let shape = Shape(channels: 3, height: 7, width: 5)
        let x = image(batch: 3, shape: shape)
        let input = try context.buffer(x, label: "input")
        let shifted = try context.buffer(Float.self, count: x.count, label: "shifted")
        let flipped = try context.buffer(Float.self, count: x.count, label: "flipped")
        let direct = try context.buffer(Float.self, count: x.count, label: "direct")
        let shift = try ImageShift(context: context), flip = try HorizontalFlip(context: context)
        try shift.apply(input, into: shifted, batch: 3, shape: shape, dy: 1, dx: -1)
        try flip.apply(shifted, into: flipped, batch: 3, shape: shape)
        try shift.apply(input, into: direct, batch: 3, shape: shape, dy: 1, dx: -1, mirror: true)
        XCTAssertEqual(try direct.read(), try flipped.read())
    }
}
