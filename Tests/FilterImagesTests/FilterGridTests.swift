import Checkpoints
import FilterImages
import Foundation
import XCTest

final class FilterGridTests: XCTestCase {
    /// Two 3-channel 2x2 filters at scale 2: a 9x4 RGB image (two 4x4 tiles, one separator column).
    func testTwoFilterGridDecodesToExactPixels() throws {
        let first: [Float] = [0, 0.2, 0.4, 0.6, /* G */ 1, 0.8, 0.6, 0.4, /* B */ 0, 0, 0, 1]
        let second = [Float](repeating: 0.3, count: 12)
        let grid = try FilterGrid(weights: .init(shape: [2, 3, 2, 2], values: first + second), scale: 2)
        XCTAssertEqual([grid.rows, grid.columns], [1, 2])

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("filters-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try grid.image.write(to: path)
        let image = try PNGImage(contentsOf: path)
        XCTAssertEqual([image.width, image.height, image.channels], [9, 4, 3])
        XCTAssertEqual(image, grid.image)

        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(image.pixels[(y * 9 + x) * 3 ..< (y * 9 + x) * 3 + 3]) }
        XCTAssertEqual(pixel(0, 0), [0, 255, 0])
        XCTAssertEqual(pixel(1, 1), [0, 255, 0])       // enlarged: the same weight
        XCTAssertEqual(pixel(2, 0), [51, 204, 0])
        XCTAssertEqual(pixel(0, 2), [102, 153, 0])
        XCTAssertEqual(pixel(3, 3), [153, 102, 255])
        XCTAssertEqual(pixel(4, 2), [255, 255, 255])   // separator
        XCTAssertEqual(pixel(5, 0), [128, 128, 128])   // a constant filter is mid-grey
        XCTAssertEqual(pixel(8, 3), [128, 128, 128])
    }

    func testGreyAndChannelMean() throws {
        let grey = try FilterGrid(weights: .init(shape: [1, 1, 2, 2], values: [0, 1, 0.2, 0.4]))
        XCTAssertEqual(grey.image, PNGImage(width: 2, height: 2, channels: 1, pixels: [0, 255, 51, 102]))
        XCTAssertFalse(grey.usesChannelMean)
        XCTAssertThrowsError(try FilterGrid(weights: .init(shape: [1, 1, 2, 3], values: [Float](repeating: 0, count: 6))))
        let mean = try FilterGrid(weights: .init(shape: [3, 2, 1, 1], values: [0, 2, 1, 1, 5, 5]))
        XCTAssertTrue(mean.usesChannelMean)
        XCTAssertEqual([mean.image.width, mean.image.height, mean.image.channels], [3, 3, 1])  // 2x2 grid of 1x1 tiles
        XCTAssertEqual(mean.image.pixels, [128, 255, 128, 255, 255, 255, 128, 255, 255])  // 1x1 filters are constant: mid-grey
    }

    func testReadingANonPNGGivesLibpngsMessage() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notpng-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PNGImage(contentsOf: path)) { error in
            guard let error = error as? PNGImage.Error else { return XCTFail("\(error)") }
            XCTAssertFalse(error.message.isEmpty)
        }
    }
}
