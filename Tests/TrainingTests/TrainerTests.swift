import Checkpoints
import PipelineConfig
import Foundation
import OpenCLRuntime
import XCTest
@testable import Training

final class TrainerTests: XCTestCase {
    func testShortRunLearns() throws {
        let folder = TrainingFixtures.temporaryFolder()
        // The quickstart network on a smaller share of its data: the synthetic classes need some
        // hundred steps before they separate, so the run has 3 x 50 of them.
        let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/quickstart.yaml").path
        let config = try PipelineConfig.load(path: path, overrides: [
            "name=tiny", "data.synthetic_train=3200", "data.synthetic_validation=500", "train.epochs=3",
            "checkpoint.folder=\(folder.path)", "checkpoint.keep=2",
        ])
        let trainer = try Trainer(run: TrainingRun(config: config, context: TrainingFixtures.context), options: .init(quiet: true))
        let history = try trainer.train()
        print("short run: train loss \(history.map(\.trainLoss)), validation accuracy \(history.map(\.validationAccuracy))")
        XCTAssertEqual(history.count, 3)
        XCTAssertLessThan(history[2].trainLoss, history[0].trainLoss, "loss falls: \(history.map(\.trainLoss))")
        XCTAssertGreaterThan(history[2].validationAccuracy, 0.2, "accuracy rises above chance (0.1)")
        let csv = try String(contentsOf: folder.appendingPathComponent("tiny/metrics.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 4)
        XCTAssertTrue(csv.hasPrefix(MetricsLog.header))
        for name in ["last.h5", "best.h5", "epoch-002.h5", "epoch-003.h5"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tiny/\(name)").path), name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tiny/epoch-001.h5").path),
                       "keep: 2 prunes older numbered checkpoints")
    }

    func testStoppedAndResumedRunEndsWithTheSameWeights() throws {
        try assertResumeIsExact { folder in TrainingFixtures.tinyPipeline(folder: folder, epochs: 2) }
    }

    /// The same with airbench's recipe state: lookahead averages (saved with the momentum), a
    /// batch norm without learned scale (a frozen parameter), Dirac initialisation and a scale
    /// on the logits.
    func testResumeIsExactWithTheRecipeState() throws {
        try assertResumeIsExact { folder in TrainingFixtures.recipePipeline(folder: folder, epochs: 2) }
    }

    private func assertResumeIsExact(_ pipeline: (URL) -> String, file: StaticString = #filePath, line: UInt = #line) throws {
        let straightFolder = TrainingFixtures.temporaryFolder()
        let straight = try Trainer(run: TrainingFixtures.run(pipeline(straightFolder)), options: .init(quiet: true))
        try straight.train()

        let splitFolder = TrainingFixtures.temporaryFolder()
        let text = pipeline(splitFolder)
        // Stopped (as by Ctrl-C) in the middle of the second epoch: 20 steps make an epoch.
        let first = try Trainer(run: TrainingFixtures.run(text), options: .init(quiet: true))
        first.testHooks.stopAtStep = 33
        try first.train()
        XCTAssertEqual(first.stoppedBySignal, SIGINT, file: file, line: line)
        let saved = try CheckpointFile.load(from: splitFolder.appendingPathComponent("tiny/last.h5").path)
        XCTAssertEqual(saved.epoch, 1, file: file, line: line)
        XCTAssertEqual(saved.step, 33, file: file, line: line)
        let resumed = try Trainer(run: TrainingFixtures.run(text, resume: saved), options: .init(quiet: true))
        try resumed.train()

        XCTAssertEqual(straight.step, resumed.step, file: file, line: line)
        for ((layer, a), (_, b)) in zip(straight.network.parameters, resumed.network.parameters) {
            XCTAssertEqual(try a.value.read(), try b.value.read(), "\(layer).\(a.name) differs after resume", file: file, line: line)
        }
        for (a, b) in zip(straight.network.layers, resumed.network.layers) {
            for (x, y) in zip(a.state, b.state) {
                XCTAssertEqual(try x.buffer.read(), try y.buffer.read(), "\(a.name).\(x.name) differs after resume", file: file, line: line)
            }
        }
        for (a, b) in zip(straight.run.optimizer.entries, resumed.run.optimizer.entries) {
            XCTAssertEqual(try a.momentum.read(), try b.momentum.read(), "momentum of \(a.layer).\(a.parameter.name)", file: file, line: line)
        }
        for (a, b) in zip(straight.run.lookahead?.entries ?? [], resumed.run.lookahead?.entries ?? []) {
            XCTAssertEqual(try a.average.read(), try b.average.read(), "lookahead average of \(a.layer).\(a.name)", file: file, line: line)
        }
    }

    func testNaNLossStopsTrainingNamingTheStepAndLastCheckpoint() throws {
        let folder = TrainingFixtures.temporaryFolder()
        let text = TrainingFixtures.tinyPipeline(folder: folder, epochs: 3)
        let trainer = try Trainer(run: TrainingFixtures.run(text), options: .init(quiet: true))
        trainer.testHooks.injectNaNAtStep = 25
        XCTAssertThrowsError(try trainer.train()) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("NaN or infinite at step 26"), message)
            XCTAssertTrue(message.contains("last.h5"), message)
        }
        // The checkpoint of epoch 1 (20 steps) is whole and untouched by the failure.
        let saved = try CheckpointFile.load(from: folder.appendingPathComponent("tiny/last.h5").path)
        XCTAssertEqual(saved.epoch, 1)
        XCTAssertTrue(saved.layers[0].tensors["weight"]!.values.allSatisfy(\.isFinite))
    }

    func testResumeRefusesAMismatchedNetwork() throws {
        let folder = TrainingFixtures.temporaryFolder()
        let text = TrainingFixtures.tinyPipeline(folder: folder, epochs: 1)
        try Trainer(run: TrainingFixtures.run(text), options: .init(quiet: true)).train()
        let saved = try CheckpointFile.load(from: folder.appendingPathComponent("tiny/last.h5").path)
        let other = try TrainingFixtures.run(text, overrides: ["model.0.conv.filters=4", "train.epochs=2"], resume: saved)
        XCTAssertThrowsError(try Trainer(run: other, options: .init(quiet: true))) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("conv1.weight"), message)
            XCTAssertTrue(message.contains("[8, 3, 3, 3]") && message.contains("[4, 3, 3, 3]"), message)
        }
        XCTAssertThrowsError(try Trainer(run: TrainingFixtures.run(text, resume: saved), options: .init(quiet: true))) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("already trained 1 epochs") && message.contains("train.epochs="), message)
        }
    }

    func testShapeErrorNamesFileLineAndArithmetic() throws {
        let folder = TrainingFixtures.temporaryFolder()
        let text = TrainingFixtures.tinyPipeline(folder: folder).replacingOccurrences(
            of: "- conv: {filters: 8, size: 4, stride: 2, padding: 1}", with: "- conv: {filters: 8, size: 3, stride: 2}")
        XCTAssertThrowsError(try TrainingFixtures.run(text)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.hasPrefix("tiny.yaml:9:"), message)
            XCTAssertTrue(message.contains("conv2") && message.contains("(16 - 3 + 2*0)/2 + 1"), message)
        }
    }

    func testLearningRateFollowsScheduleAndWarmUp() throws {
        let run = try TrainingFixtures.run(TrainingFixtures.tinyPipeline(folder: TrainingFixtures.temporaryFolder(), epochs: 4))
        // 640 images / 32 = 20 steps per epoch; warm-up over half an epoch, cosine over 4.
        XCTAssertEqual(run.trainBatchesPerEpoch, 20)
        XCTAssertEqual(run.learningRate(atStep: 0), 0, accuracy: 1e-12)
        XCTAssertEqual(run.learningRate(atStep: 40), 0.05 * (1 + cos(Double.pi * 2 / 4)) / 2, accuracy: 1e-9)
        XCTAssertEqual(run.learningRate(atStep: 80), 0, accuracy: 1e-9)
    }
}
