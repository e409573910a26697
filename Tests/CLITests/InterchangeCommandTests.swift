import Checkpoints
import FilterImages
import Foundation
import Interchange
import XCTest

/// `train` writes TensorBoard events that agree with metrics.csv (and survive a resume),
/// `export` writes an ONNX model of the checkpoint, `plot` a picture of the curves.
final class InterchangeCommandTests: XCTestCase {
    var folder: URL!

    static let pipeline = """
        name: tb
        data: {source: synthetic, synthetic_train: 160, synthetic_validation: 64}
        model:
          - conv: {filters: 6, size: 3, padding: 1}
          - batchnorm
          - relu
          - maxpool: {size: 2}
          - global_avgpool
          - fc: {outputs: 10}
        optimizer: {lr: 0.05, momentum: 0.9}
        train: {epochs: 3, batch: 32, seed: 5}
        checkpoint: {folder: runs, interval: 1, keep: 1, filter_image_interval: 2}

        """

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-interchange-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.pipeline.write(to: folder.appendingPathComponent("tb.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func run(_ arguments: [String]) throws -> ConveyorProcess.Result {
        try ConveyorProcess.run(arguments + (["train", "resume"].contains(arguments[0]) ? ["--device", "cpu"] : []), directory: folder)
    }

    var runFolder: URL { folder.appendingPathComponent("runs/tb") }

    /// metrics.csv as rows of (column name: value); empty cells are left out.
    func metricRows() throws -> [[String: Double]] {
        let lines = try String(contentsOf: runFolder.appendingPathComponent("metrics.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { cells in
            var row: [String: Double] = [:]
            for (name, cell) in zip(lines[0], cells) { if let value = Double(cell) { row[name] = value } }
            return row
        }
    }

    /// Every event of every file of the run (any CRC error throws), by file.
    func eventsByFile() throws -> [[Tensorboard_Event]] {
        try TensorBoardEventFile.files(in: runFolder).map { try TensorBoardEventFile.events(in: $0) }
    }

    func testTrainingEventsEqualMetricsAndHoldFilterImages() throws {
        let train = try run(["train", "tb.yaml"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let files = try eventsByFile()
        XCTAssertEqual(files.count, 1)
        let events = files[0]
        XCTAssertEqual(events.first?.fileVersion, "brain.Event:2")

        let columns = ["loss/train": "train_loss", "loss/validation": "val_loss", "accuracy/train": "train_accuracy",
                       "accuracy/validation": "val_accuracy", "learning_rate": "learning_rate",
                       "images_per_second": "images_per_second"]
        let rows = try metricRows()
        XCTAssertEqual(rows.count, 3)
        for row in rows {
            let epoch = Int(row["epoch"]!)
            let scalars = events.filter { $0.step == epoch }.flatMap(\.summary.value).filter { columns[$0.tag] != nil }
            XCTAssertEqual(Set(scalars.map(\.tag)), Set(columns.keys), "epoch \(epoch)")
            XCTAssertEqual(scalars.count, columns.count, "epoch \(epoch): each scalar once")
            for value in scalars {
                let expected = row[columns[value.tag]!]!
                // metrics.csv rounds: 5 decimals, lr 6 digits, images/s one decimal.
                let rounding = value.tag == "images_per_second" ? 0.051 : max(abs(expected) * 1e-5, 6e-5)
                XCTAssertEqual(Double(value.simpleValue), expected, accuracy: rounding,
                               "epoch \(epoch) \(value.tag)")
            }
        }
        // Filter images at epoch 2 (the interval) and 3 (the last), PNGs of the grid's size.
        let images: [(Int64, Tensorboard_Summary.Value)] = events.flatMap { event in
            event.summary.value.filter { if case .image = $0.value { return true } else { return false } }.map { (event.step, $0) }
        }
        XCTAssertEqual(images.map(\.0), [2, 3])
        for (_, value) in images {
            let path = folder.appendingPathComponent("filters.png").path
            try value.image.encodedImageString.write(to: URL(fileURLWithPath: path))
            let png = try PNGImage(contentsOf: path)
            XCTAssertEqual(png.width, Int(value.image.width))
            XCTAssertEqual(png.height, Int(value.image.height))
            XCTAssertEqual(png.channels, 3)
            XCTAssertEqual(value.tag, "filters/first_layer")
        }
    }

    /// A kill between an epoch's checkpoint and its events leaves the epoch out of the event
    /// file; the resumed run writes it first, so every epoch appears exactly once.
    func testResumeWritesEveryEpochOnce() throws {
        let first = try run(["train", "tb.yaml", "--set", "train.epochs=2", "--set", "checkpoint.keep=4"])
        XCTAssertEqual(first.status, 0, first.stderr)
        // As if killed after epoch 2's checkpoint: drop epoch 2's events, and cut the last record short.
        let file = try XCTUnwrap(TensorBoardEventFile.files(in: runFolder).first)
        let kept = try TensorBoardEventFile.events(in: file).filter { $0.step < 2 }
        var bytes = Data()
        for event in kept { bytes.append(TFRecord.frame(try event.serializedBytes())) }
        bytes.append(TFRecord.frame(try kept[1].serializedBytes()).prefix(10))
        try bytes.write(to: file)

        let resumed = try run(["resume", "runs/tb", "--set", "train.epochs=4"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let files = try TensorBoardEventFile.files(in: runFolder)
        XCTAssertEqual(files.count, 2)
        var steps: [Int64] = []
        for url in files {
            let events = try TensorBoardEventFile.events(in: url, tolerateCutTail: true)
            XCTAssertEqual(events.first?.fileVersion, "brain.Event:2")
            steps += events.filter { $0.summary.value.contains { $0.tag == "loss/train" } }.map(\.step)
        }
        XCTAssertEqual(steps, [1, 2, 3, 4])

        // A resume from an older checkpoint trains epochs 3 and 4 again: its file starts with a
        // session START at step 3, so that TensorBoard drops the abandoned points 3 and 4.
        let again = try run(["resume", "runs/tb/epoch-002.h5", "--force", "--set", "train.epochs=4"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let newest = try XCTUnwrap(TensorBoardEventFile.files(in: runFolder).last)
        let events = try TensorBoardEventFile.events(in: newest)
        guard case .sessionLog(let log)? = events[1].what else { return XCTFail("no session START: \(events[1])") }
        XCTAssertEqual(log.status, .start)
        XCTAssertEqual(events[1].step, 3)
        XCTAssertEqual(events.filter { $0.summary.value.contains { $0.tag == "loss/train" } }.map(\.step), [3, 4])
    }

    /// `train --force` deletes the earlier run's events with its checkpoints.
    func testForceStartsTheEventsAfresh() throws {
        XCTAssertEqual(try run(["train", "tb.yaml", "--set", "train.epochs=1"]).status, 0)
        let earlier = TensorBoardEventFile.files(in: runFolder)
        XCTAssertEqual(earlier.count, 1)
        let again = try run(["train", "tb.yaml", "--set", "train.epochs=1", "--force"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let files = TensorBoardEventFile.files(in: runFolder)
        XCTAssertEqual(files.count, 1)
        let steps = try files.flatMap { try TensorBoardEventFile.events(in: $0) }
            .filter { $0.summary.value.contains { $0.tag == "loss/train" } }.map(\.step)
        XCTAssertEqual(steps, [1], "the earlier run's epoch 1 is gone")
    }

    func testTensorBoardCanBeTurnedOff() throws {
        let train = try run(["train", "tb.yaml", "--set", "checkpoint.tensorboard=false", "--set", "train.epochs=1"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(TensorBoardEventFile.files(in: runFolder), [])
    }

    func testExportWritesTheCheckpointAsONNX() throws {
        let train = try run(["train", "tb.yaml", "--set", "train.epochs=1"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let export = try run(["export", "runs/tb/last.h5", "--format", "onnx", "--out", "model.onnx"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("opset 17"), export.stdout)
        let path = folder.appendingPathComponent("model.onnx")
        let model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: path))
        XCTAssertEqual(model.opsetImport.map(\.version), [17])
        XCTAssertEqual(model.graph.input.first?.type.tensorType.shape.dim.first?.dimParam, "batch")
        XCTAssertEqual(model.graph.output.first?.type.tensorType.shape.dim.last?.dimValue, 10)

        let checkpoint = try CheckpointFile.load(from: runFolder.appendingPathComponent("last.h5").path)
        let initializers = Dictionary(uniqueKeysWithValues: model.graph.initializer.map { ($0.name, $0) })
        for layer in checkpoint.layers {
            for (name, tensor) in layer.tensors {
                let stored = try XCTUnwrap(initializers["\(layer.name).\(name)"], "\(layer.name).\(name)")
                XCTAssertEqual(stored.dims, tensor.shape.map(Int64.init), "\(layer.name).\(name)")
                XCTAssertEqual(stored.rawData.count, tensor.values.count * 4)
            }
        }
        let mean = try XCTUnwrap(initializers["normalization.mean"])
        XCTAssertEqual(mean.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, checkpoint.normalization?.mean)

        // An existing file is kept unless --force.
        let before = try Data(contentsOf: path)
        let again = try run(["export", "runs/tb/last.h5", "--out", "model.onnx"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("model.onnx exists already; add --force"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: path), before)
        let forced = try run(["export", "runs/tb/last.h5", "--out", "model.onnx", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
    }

    func testPlotDrawsTwoRuns() throws {
        XCTAssertEqual(try run(["train", "tb.yaml", "--set", "train.epochs=2"]).status, 0)
        XCTAssertEqual(try run(["train", "tb.yaml", "--set", "train.epochs=1", "--set", "name=other"]).status, 0)
        let plot = try run(["plot", "runs/tb", "runs/other", "--out", "curves.png", "--width", "800", "--height", "450"])
        XCTAssertEqual(plot.status, 0, plot.stderr)
        XCTAssertTrue(plot.stdout.contains("tb (2 epochs), other (1 epochs)"), plot.stdout)
        let image = try PNGImage(contentsOf: folder.appendingPathComponent("curves.png").path)
        XCTAssertEqual(image.width, 800)
        XCTAssertEqual(image.height, 450)
    }
}
