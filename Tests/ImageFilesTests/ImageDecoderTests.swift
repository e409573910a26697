import Foundation
import ImageFiles
import XCTest

final class ImageDecoderTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-decoder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// A smooth gradient: JPEG keeps it within a few levels.
    static func gradient(width: Int, height: Int) -> [UInt8] {
        (0..<(width * height)).flatMap { i -> [UInt8] in
            let x = i % width, y = i / width
            return [UInt8(x * 255 / max(width - 1, 1)), UInt8(y * 255 / max(height - 1, 1)), 128]
        }
    }

    func testJPEGRoundTripIsCloseToTheSource() throws {
        let pixels = Self.gradient(width: 40, height: 30)
        let bytes = try JPEGEncoder.encode(pixels, width: 40, height: 30, quality: 95)
        let image = try ImageDecoder().decode(bytes: bytes, path: "gradient.jpg")
        XCTAssertEqual(image.width, 40)
        XCTAssertEqual(image.height, 30)
        let worst = zip(image.pixels, pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThan(worst, 12)
    }

    func testGreyJPEGBecomesRGB() throws {
        let grey = [UInt8](repeating: 77, count: 16 * 8)
        let bytes = try JPEGEncoder.encode(grey, width: 16, height: 8, pixels: .grey)
        let image = try ImageDecoder().decode(bytes: bytes, path: "grey.jpg")
        XCTAssertEqual(image.pixels.count, 16 * 8 * 3)
        XCTAssertTrue(image.pixels.allSatisfy { abs(Int($0) - 77) <= 1 })
    }

    func testCMYKJPEGIsRefusedNamingTheFile() throws {
        let cmyk = [UInt8](repeating: 40, count: 8 * 8 * 4)
        let bytes = try JPEGEncoder.encode(cmyk, width: 8, height: 8, pixels: .cmyk)
        XCTAssertThrowsError(try ImageDecoder().decode(bytes: bytes, path: "print.jpg")) { error in
            guard case let .unsupportedColor(path, _)? = error as? ImageFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "print.jpg")
            XCTAssertTrue("\(error)".contains("CMYK"))
        }
    }

    func testTruncatedJPEGIsRefused() throws {
        let bytes = try JPEGEncoder.encode(Self.gradient(width: 64, height: 64), width: 64, height: 64)
        XCTAssertThrowsError(try ImageDecoder().decode(bytes: Array(bytes.prefix(bytes.count / 2)), path: "cut.jpg")) { error in
            guard case .corrupt? = error as? ImageFileError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".hasPrefix("cut.jpg:"))
        }
    }

    func testEmptyAndNonImageFilesAreRefused() throws {
        _ = FileManager.default.createFile(atPath: path("empty.png"), contents: Data())
        _ = FileManager.default.createFile(atPath: path("notes.jpg"), contents: Data("just some text".utf8))
        XCTAssertThrowsError(try ImageDecoder().decode(path: path("empty.png"))) {
            XCTAssertEqual($0 as? ImageFileError, .empty(path: self.path("empty.png")))
        }
        XCTAssertThrowsError(try ImageDecoder().decode(path: path("notes.jpg"))) {
            XCTAssertEqual($0 as? ImageFileError, .notAnImage(path: self.path("notes.jpg")))
        }
        XCTAssertThrowsError(try ImageDecoder().decode(path: path("missing.png"))) {
            guard case .unreadable? = $0 as? ImageFileError else { return XCTFail("\($0)") }
        }
    }

    func testPNGModesBecomeRGB() throws {
        try PNGEncoder.write([10, 20, 30, 40, 50, 60], width: 2, height: 1, channels: 3, to: path("rgb.png"))
        try PNGEncoder.write([10, 200], width: 2, height: 1, channels: 1, to: path("grey.png"))
        try PNGEncoder.write([10, 20, 30, 0, 50, 60, 70, 255], width: 2, height: 1, channels: 4, to: path("rgba.png"))
        try PNGEncoder.write([90, 0, 90, 255], width: 2, height: 1, channels: 2, to: path("greya.png"))
        let decoder = ImageDecoder()
        XCTAssertEqual(try decoder.decode(path: path("rgb.png")).pixels, [10, 20, 30, 40, 50, 60])
        XCTAssertEqual(try decoder.decode(path: path("grey.png")).pixels, [10, 10, 10, 200, 200, 200])
        // Alpha is dropped, not composed: a fully transparent pixel keeps its colour.
        XCTAssertEqual(try decoder.decode(path: path("rgba.png")).pixels, [10, 20, 30, 50, 60, 70])
        XCTAssertEqual(try decoder.decode(path: path("greya.png")).pixels, [90, 90, 90, 90, 90, 90])
    }

    func testSixteenBitPNGBecomesEightBit() throws {
        try PNGEncoder.write16([0, 65535, 0, 65535, 65535, 65535], width: 2, height: 1, channels: 3, to: path("deep.png"))
        let image = try ImageDecoder().decode(path: path("deep.png"))
        XCTAssertEqual(image.pixels, [0, 255, 0, 255, 255, 255])
    }

    func testTruncatedPNGIsRefused() throws {
        try PNGEncoder.write(Self.gradient(width: 50, height: 50), width: 50, height: 50, channels: 3, to: path("full.png"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("full.png")))
        XCTAssertThrowsError(try ImageDecoder().decode(bytes: Array(bytes.prefix(bytes.count / 2)), path: "cut.png")) { error in
            guard case .corrupt? = error as? ImageFileError else { return XCTFail("\(error)") }
        }
    }

    func testReducedJPEGDecodeStaysAtLeastTheTargetSize() throws {
        let bytes = try JPEGEncoder.encode(Self.gradient(width: 500, height: 375), width: 500, height: 375)
        let resizer = ImageResizer(size: ImageSize(height: 64, width: 64), rule: .crop)
        let image = try ImageDecoder().decode(bytes: bytes, path: "big.jpg", reducingFor: resizer)
        XCTAssertGreaterThanOrEqual(image.height, 64)
        XCTAssertLessThan(image.width, 500)
    }
}
