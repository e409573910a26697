import Foundation
import HDF5
import ImageFiles
import XCTest

/// Training on a folder of one's own images, end to end: the automatic import into a cache,
/// training at a size other than 32x32, checkpoints that carry the classes and size, `predict`,
/// `evaluate`, `export`, `data import`, and the errors a user sees.
final class ImageFolderCommandTests: XCTestCase {
    var folder: URL!
    var cache: URL { folder.appendingPathComponent("cache") }
    static let classes = ["red apples", "blå", "green"]

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ImageFolderFixture.make(at: folder.appendingPathComponent("photos"), classes: Self.classes, perClass: 16)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func run(_ arguments: [String]) throws -> ConveyorProcess.Result {
        try ConveyorProcess.run(arguments, environment: ["CONVEYOR_CACHE": cache.path], directory: folder)
    }

    func write(_ text: String, to name: String) throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func cacheFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".h5") }
    }

    func testTrainPredictEvaluateExportFromAFolder() throws {
        try write(ImageFolderFixture.pipeline(name: "photos", data: "path: photos, validation_fraction: 0.25"), to: "photos.yaml")
        let train = try run(["train", "photos.yaml", "--device", "cpu"])
        XCTAssertEqual(train.status, 0, train.stderr + train.stdout)
        XCTAssertTrue(train.stderr.contains("importing 48 images of 3 classes"), train.stderr)
        XCTAssertEqual(try cacheFiles().count, 1)

        let checkpoint = try HDF5File.open(at: folder.appendingPathComponent("runs/photos/last.h5").path)
        XCTAssertEqual(try checkpoint.readStrings(from: "/data/class_names"), ["blå", "green", "red apples"])
        XCTAssertEqual(try checkpoint.attribute("height", of: "/data")?.int64Value, 24)
        XCTAssertEqual(try checkpoint.attribute("resize", of: "/data")?.stringValue, "crop")
        try checkpoint.close()

        // The same folder again: the cache is used, not rebuilt.
        let again = try run(["train", "photos.yaml", "--device", "cpu", "--set", "name=again", "--set", "train.epochs=1"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stderr.contains("importing"), again.stderr)

        let predict = try run(["predict", "runs/photos/last.h5", "photos/green", "--top", "2", "--json"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let predictions = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(predict.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(predictions.count, 16)
        let first = try XCTUnwrap(predictions.first?["top"] as? [[String: Any]])
        XCTAssertEqual(first.count, 2)
        XCTAssertTrue(Self.classes.contains(first[0]["class_name"] as? String ?? ""))
        let flipped = try run(["predict", "runs/photos/last.h5", "photos/green", "--tta", "flip_translate", "--top", "1", "--csv"])
        XCTAssertEqual(flipped.status, 0, flipped.stderr)
        XCTAssertEqual(flipped.stdout.split(separator: "\n").count, 17, flipped.stdout)
        let plain = try run(["predict", "runs/photos/last.h5", "photos/red apples/img 0.jpg"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stdout.hasPrefix("photos/red apples/img 0.jpg: "), plain.stdout)
        let csv = try run(["predict", "runs/photos/last.h5", "photos/blå", "--csv", "--top", "1"])
        XCTAssertEqual(csv.stdout.split(separator: "\n").count, 17, csv.stdout)

        let evaluate = try run(["evaluate", "runs/photos/last.h5", "--tta", "flip", "--json"])
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["class_names"] as? [String], ["blå", "green", "red apples"])

        let export = try run(["export", "runs/photos/last.h5", "--out", "photos.onnx"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("[batch, 3, 24, 24]"), export.stdout)

        let activations = try run(["activations", "runs/photos/last.h5", "--out", "acts.h5", "--count", "4"])
        XCTAssertEqual(activations.status, 0, activations.stderr)
        let dump = try HDF5File.open(at: folder.appendingPathComponent("acts.h5").path)
        XCTAssertEqual(try dump.shape(of: "/input"), [4, 3, 24, 24])
        try dump.close()

        // A changed file makes the cache stale: it is rebuilt, and the stale one deleted.
        try ImageFolderFixture.make(at: folder.appendingPathComponent("photos"), classes: ["green"], perClass: 1, seed: 9)
        let rebuilt = try run(["train", "photos.yaml", "--device", "cpu", "--set", "name=rebuilt", "--set", "train.epochs=1"])
        XCTAssertEqual(rebuilt.status, 0, rebuilt.stderr)
        XCTAssertTrue(rebuilt.stderr.contains("importing"), rebuilt.stderr)
        XCTAssertEqual(try cacheFiles().count, 1)
    }

    func testDataImportWritesTheDocumentedLayout() throws {
        let result = try run(["data", "import", "photos", "--size", "16x12", "--resize", "stretch", "--out", "photos.h5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let file = try HDF5File.open(at: folder.appendingPathComponent("photos.h5").path)
        XCTAssertEqual(try file.shape(of: "/images"), [48, 3, 16, 12])
        XCTAssertEqual(try file.read(Int64.self, from: "/labels").values.count, 48)
        XCTAssertEqual(try file.readStrings(from: "/class_names"), ["blå", "green", "red apples"])
        let paths = try file.readStrings(from: "/paths")
        XCTAssertEqual(paths.count, 48)
        XCTAssertTrue(paths.contains("red apples/img 0.jpg"), "\(paths.prefix(5))")
        XCTAssertEqual(try file.attribute("format")?.stringValue, "conveyor-images")
        XCTAssertEqual(try file.attribute("resize")?.stringValue, "stretch")
        try file.close()
        let existing = try run(["data", "import", "photos", "--size", "16", "--out", "photos.h5"])
        XCTAssertEqual(existing.status, 1)
        XCTAssertTrue(existing.stderr.contains("exists already"), existing.stderr)
    }

    /// The memory plan and `batch: auto` at 64x64 and 28x28: the input row is the data's size.
    func testPlanAtOtherSizes() throws {
        for size in [64, 28] {
            let text = ImageFolderFixture.pipeline(name: "plan\(size)", data: "path: photos", size: size)
                .replacingOccurrences(of: "batch: 8,", with: "batch: auto, max_batch: 64,")
            try write(text, to: "plan\(size).yaml")
            let plan = try run(["plan", "plan\(size).yaml", "--device", "cpu", "--json"])
            XCTAssertEqual(plan.status, 0, plan.stderr)
            XCTAssertTrue(plan.stdout.contains("3x\(size)x\(size)"), plan.stdout)
            XCTAssertFalse(plan.stderr.contains("importing"), "plan counts the folder, it does not import it")
        }
    }

    /// A checkpoint evaluated on data of other classes or another size is refused, not crashed.
    func testEvaluateOnMismatchedDataIsRefused() throws {
        try write(ImageFolderFixture.pipeline(name: "small", data: "path: photos", epochs: 1), to: "small.yaml")
        XCTAssertEqual(try run(["train", "small.yaml", "--device", "cpu"]).status, 0)
        let cifar = folder.appendingPathComponent("cifar")
        try FileManager.default.createDirectory(at: cifar, withIntermediateDirectories: true)
        var records = [UInt8](repeating: 7, count: 64 * 3073)
        for record in 0..<64 { records[record * 3073] = UInt8(record % 10) }
        try Data(records).write(to: cifar.appendingPathComponent("data_batch_5.bin"))
        let evaluate = try run(["evaluate", "runs/small/last.h5", "--data", "cifar"])
        XCTAssertEqual(evaluate.status, 1, evaluate.stdout)
        XCTAssertTrue(evaluate.stderr.contains("was trained on 3 classes of 24x24 images"), evaluate.stderr)
    }

    func testBadImagesAreSkippedAndCountedWhenAsked() throws {
        try Data("not a picture".utf8).write(to: folder.appendingPathComponent("photos/green/notes.jpg"))
        try Data().write(to: folder.appendingPathComponent("photos/blå/empty.png"))
        // What a killed import leaves: a partial file of a process that is gone, never used.
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try write("", to: "cache/photos-00000000-24x24-crop-0000000000000000.h5.partial-999999999")
        try write(ImageFolderFixture.pipeline(name: "skip", data: "path: photos, on_bad_image: skip", epochs: 1), to: "skip.yaml")
        let refused = try run(["train", "skip.yaml", "--device", "cpu", "--set", "data.on_bad_image=refuse"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("photos/blå/empty.png: the file is empty"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs/skip/last.h5").path))
        let train = try run(["train", "skip.yaml", "--device", "cpu"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("imported 48 images"), train.stderr)
        XCTAssertTrue(train.stderr.contains("skipped 2 bad image files"), train.stderr)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: cache.path).contains { $0.contains(".partial-") })
    }

    func testTwoFoldersAndResumeWithOtherClasses() throws {
        try ImageFolderFixture.make(at: folder.appendingPathComponent("val"), classes: Self.classes, perClass: 4, seed: 5)
        try write(ImageFolderFixture.pipeline(name: "two", data: "train: photos, validation: val", epochs: 1), to: "two.yaml")
        let train = try run(["train", "two.yaml", "--device", "cpu"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(try cacheFiles().count, 2)

        // The classes of the data change under the checkpoint: refused, naming them.
        try FileManager.default.moveItem(at: folder.appendingPathComponent("photos/green"), to: folder.appendingPathComponent("photos/lime"))
        try FileManager.default.moveItem(at: folder.appendingPathComponent("val/green"), to: folder.appendingPathComponent("val/lime"))
        let resume = try run(["resume", "runs/two", "--set", "train.epochs=2"])
        XCTAssertEqual(resume.status, 1, resume.stdout)
        XCTAssertTrue(resume.stderr.contains("missing now: green"), resume.stderr)
        XCTAssertTrue(resume.stderr.contains("new: lime"), resume.stderr)
    }
}
