import ImageFiles
import XCTest

final class ImageResizerTests: XCTestCase {
    func testAConstantImageStaysConstantAtEverySize() {
        let image = RGBImage(width: 37, height: 23, pixels: (0..<(37 * 23)).flatMap { _ in [200, 100, 7] as [UInt8] })
        for rule in ResizeRule.allCases {
            for size in [ImageSize(height: 64, width: 64), ImageSize(height: 8, width: 5), ImageSize(height: 23, width: 37)] {
                let planes = ImageResizer(size: size, rule: rule).resize(image)
                XCTAssertEqual(Array(planes[0..<size.planeSize]), [UInt8](repeating: 200, count: size.planeSize))
                XCTAssertEqual(Array(planes[size.planeSize..<(2 * size.planeSize)]), [UInt8](repeating: 100, count: size.planeSize))
                XCTAssertEqual(Array(planes[(2 * size.planeSize)...]), [UInt8](repeating: 7, count: size.planeSize))
            }
        }
    }

    func testTheSameSizeIsACopyIntoPlanes() {
        let pixels: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        let planes = ImageResizer(size: ImageSize(height: 2, width: 2), rule: .crop).resize(RGBImage(width: 2, height: 2, pixels: pixels))
        XCTAssertEqual(planes, [1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12])
    }

    /// Halving averages pairs (antialiased), rather than picking every other pixel.
    func testShrinkingAveragesTheCoveredPixels() {
        let row: [UInt8] = [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]   // black, white, black, white
        let planes = ImageResizer(size: ImageSize(height: 1, width: 2), rule: .stretch).resize(RGBImage(width: 4, height: 1, pixels: row))
        XCTAssertTrue(planes.allSatisfy { (100...155).contains($0) }, "\(planes)")
    }

    /// Crop keeps the centre: a wide image's left and right thirds are cut away.
    func testCropKeepsTheCentre() {
        // 3 columns: red | green | blue, crop to 1x1 keeps green.
        let pixels: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let planes = ImageResizer(size: ImageSize(height: 1, width: 1), rule: .crop).resize(RGBImage(width: 3, height: 1, pixels: pixels))
        XCTAssertEqual(planes, [0, 255, 0])
        let stretched = ImageResizer(size: ImageSize(height: 1, width: 1), rule: .stretch).resize(RGBImage(width: 3, height: 1, pixels: pixels))
        XCTAssertTrue(stretched.allSatisfy { $0 > 40 && $0 < 130 }, "\(stretched)")
    }

    func testSizeParsing() {
        XCTAssertEqual(ImageSize(parsing: "64x48"), ImageSize(height: 64, width: 48))
        XCTAssertEqual(ImageSize(parsing: "28"), ImageSize(height: 28, width: 28))
        XCTAssertNil(ImageSize(parsing: "0x4"))
        XCTAssertNil(ImageSize(parsing: "ax4"))
    }
}
