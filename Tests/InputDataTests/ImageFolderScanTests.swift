import Foundation
import ImageFiles
@testable import InputData
import XCTest

/// The ImageFolder layout, the held-out split, the import and its cache.
final class ImageFolderScanTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws { root = try CIFAR10Fixture.temporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// A `width` x `height` PNG of one colour.
    func png(_ relative: String, colour: [UInt8] = [200, 10, 10], width: Int = 12, height: Int = 10) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNGEncoder.write((0..<(width * height)).flatMap { _ in colour }, width: width, height: height, channels: 3, to: url.path)
    }

    func testClassesSortedImagesFoundRecursivelyByExtensionWithoutCase() throws {
        try png("photos/zebra/a.png")
        try png("photos/ant/deep/er/b.PNG")
        try png("photos/ant/c.png")
        try png("photos/ant/.hidden.png")
        try "text".write(to: root.appendingPathComponent("photos/ant/readme.txt"), atomically: true, encoding: .utf8)
        try png("photos/stray.png")
        let scan = try ImageFolderScan(root: root.appendingPathComponent("photos").path)
        XCTAssertEqual(scan.classNames, ["ant", "zebra"])
        XCTAssertEqual(scan.entries.map(\.relativePath), ["ant/c.png", "ant/deep/er/b.PNG", "zebra/a.png"])
        XCTAssertEqual(scan.entries.map(\.label), [0, 0, 1])
    }

    func testLayoutErrors() throws {
        try png("one/cat/a.png")
        XCTAssertThrowsError(try ImageFolderScan(root: root.appendingPathComponent("one").path)) {
            XCTAssertEqual($0 as? FolderDataError, .oneClass(path: self.root.appendingPathComponent("one").path, name: "cat"))
        }
        try png("empty/cat/a.png")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("empty/dog"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try ImageFolderScan(root: root.appendingPathComponent("empty").path)) {
            XCTAssertEqual($0 as? FolderDataError, .emptyClass(folder: self.root.appendingPathComponent("empty/dog").path))
        }
        try png("flat/a.png")
        XCTAssertThrowsError(try ImageFolderScan(root: root.appendingPathComponent("flat").path)) {
            XCTAssertEqual($0 as? FolderDataError, .noClassFolders(path: self.root.appendingPathComponent("flat").path))
        }
        try png("loop/cat/a.png")
        try png("loop/dog/a.png")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("loop/dog/back").path, withDestinationPath: "../dog")
        XCTAssertThrowsError(try ImageFolderScan(root: root.appendingPathComponent("loop").path)) {
            XCTAssertEqual($0 as? FolderDataError, .symlinkLoop(link: self.root.appendingPathComponent("loop/dog/back").path))
        }
    }

    func testHeldOutSplitIsStableWhenImagesAreAdded() {
        let split = HeldOutSplit(fraction: 0.2, seed: 0)
        let first = (0..<2000).map { "cat/\($0).jpg" }
        let held = first.map(split.isHeldOut)
        let fraction = Double(held.filter { $0 }.count) / Double(held.count)
        XCTAssertEqual(fraction, 0.2, accuracy: 0.03)
        // Another 2000 files change nothing for the first ones: each decides from its own path.
        let more = first + (0..<2000).map { "dog/\($0).jpg" }
        XCTAssertEqual(Array(more.map(split.isHeldOut).prefix(2000)), held)
        let reseeded = first.map(HeldOutSplit(fraction: 0.2, seed: 1).isHeldOut)
        XCTAssertNotEqual(reseeded, held)
        // FNV-1a 64 of the empty input after the seed's eight zero bytes is a fixed value.
        XCTAssertEqual(HeldOutSplit.hash("", seed: 0), HeldOutSplit.hash("", seed: 0))
        XCTAssertNotEqual(HeldOutSplit.hash("a", seed: 0), HeldOutSplit.hash("b", seed: 0))
    }

    func testImportWritesPixelsLabelsAndPathsAndSkipsBadImages() throws {
        try png("set/blue/a.png", colour: [0, 0, 255], width: 40, height: 20)
        try png("set/red/b.png", colour: [255, 0, 0], width: 9, height: 30)
        try png("set/red/tiny.png", width: 3, height: 3)
        try Data("no image".utf8).write(to: root.appendingPathComponent("set/red/bad.jpg"))
        let scan = try ImageFolderScan(root: root.appendingPathComponent("set").path)
        let out = root.appendingPathComponent("set.h5").path
        var settings = ImageImportSettings(size: ImageSize(height: 8, width: 6), resize: .crop, onBadImage: .refuse, minimumSide: 8)
        XCTAssertThrowsError(try ImageImporter.run(entries: scan.entries, classNames: scan.classNames, settings: settings,
                                                   source: scan.root, to: out)) { error in
            XCTAssertEqual(error as? ImageFileError, .notAnImage(path: self.root.appendingPathComponent("set/red/bad.jpg").path))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix("set.h5") }, [],
                       "a refused import leaves no file, final or partial")

        settings.onBadImage = .skip
        let summary = try ImageImporter.run(entries: scan.entries, classNames: scan.classNames, settings: settings, source: scan.root,
                                            to: out, workers: 3)
        XCTAssertEqual(summary.imported, 2)
        XCTAssertEqual(summary.skipped.map(\.path).map { ($0 as NSString).lastPathComponent }, ["bad.jpg", "tiny.png"])
        let file = try ImportedImageFile(path: out)
        XCTAssertEqual(file.size, ImageSize(height: 8, width: 6))
        XCTAssertEqual(file.classNames, ["blue", "red"])
        XCTAssertEqual(file.relativePaths, ["blue/a.png", "red/b.png"])
        let set = ImportedImageSet(file: file)
        XCTAssertEqual(set.imageSize, ImageSize(height: 8, width: 6))
        XCTAssertEqual(set.label(at: 1), 1)
        let blue = set.pixels(at: 0)
        XCTAssertEqual(blue.count, 3 * 48)
        XCTAssertEqual(Array(blue[0..<48]), [UInt8](repeating: 0, count: 48))
        XCTAssertEqual(Array(blue[96..<144]), [UInt8](repeating: 255, count: 48))
        XCTAssertThrowsError(try ImportedImageFile(path: root.appendingPathComponent("set/red/bad.jpg").path)) {
            guard case .notImported? = $0 as? FolderDataError else { return XCTFail("\($0)") }
        }
    }

    func testCacheKeyFollowsTheFilesAndSettings() throws {
        try png("c/a/1.png")
        try png("c/b/1.png")
        let settings = ImageImportSettings(size: ImageSize(height: 8, width: 8))
        let before = ImageFolderCache.key(of: try ImageFolderScan(root: root.appendingPathComponent("c").path), settings: settings)
        var stretched = settings
        stretched.resize = .stretch
        XCTAssertNotEqual(ImageFolderCache.key(of: try ImageFolderScan(root: root.appendingPathComponent("c").path), settings: stretched),
                          before)
        try png("c/b/2.png")
        XCTAssertNotEqual(ImageFolderCache.key(of: try ImageFolderScan(root: root.appendingPathComponent("c").path), settings: settings),
                          before)
    }
}
