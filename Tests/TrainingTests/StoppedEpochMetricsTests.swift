import Checkpoints
import Foundation
import XCTest
@testable import Training

/// A run stopped part-way through an epoch (Ctrl-C, SIGTERM) and resumed must write the same
/// metrics as one never stopped: found by the kill-and-resume soak (scripts/soak-kill-resume),
/// where the resumed epoch's train loss and accuracy counted only the steps after the stop.
final class StoppedEpochMetricsTests: XCTestCase {
    func testTheStoppedEpochsRowCountsTheStepsBeforeTheStop() throws {
        let straightFolder = TrainingFixtures.temporaryFolder()
        let straight = try Trainer(run: TrainingFixtures.run(TrainingFixtures.tinyPipeline(folder: straightFolder)),
                                   options: .init(quiet: true))
        let expected = try straight.train()

        let splitFolder = TrainingFixtures.temporaryFolder()
        let text = TrainingFixtures.tinyPipeline(folder: splitFolder)
        // 20 steps make an epoch: step 33 lies in the second.
        let first = try Trainer(run: TrainingFixtures.run(text), options: .init(quiet: true))
        first.testHooks.stopAtStep = 33
        try first.train()
        let saved = try CheckpointFile.load(from: splitFolder.appendingPathComponent("tiny/last.h5").path)
        XCTAssertEqual(CheckpointMapping.partialEpoch(saved)?.images, 13 * 32, "the 13 steps of the second epoch, batch 32")
        let resumed = try Trainer(run: TrainingFixtures.run(text, resume: saved), options: .init(quiet: true)).train()

        XCTAssertEqual(resumed.map(\.trainLoss), expected.map(\.trainLoss))
        XCTAssertEqual(resumed.map(\.trainAccuracy), expected.map(\.trainAccuracy))
        XCTAssertEqual(resumed.map(\.validationAccuracy), expected.map(\.validationAccuracy))
    }

    func testImplausiblePartialTotalsAreIgnored() {
        var checkpoint = Checkpoint(epoch: 1, step: 30, seed: 1, config: "")
        checkpoint.state = [CheckpointMapping.partialLossKey: Double.nan.bitPattern, CheckpointMapping.partialCorrectKey: 1,
                            CheckpointMapping.partialImagesKey: 2]
        XCTAssertNil(CheckpointMapping.partialEpoch(checkpoint))
        checkpoint.state[CheckpointMapping.partialLossKey] = (2.5).bitPattern
        checkpoint.state[CheckpointMapping.partialCorrectKey] = 3
        XCTAssertNil(CheckpointMapping.partialEpoch(checkpoint), "more correct than images")
        checkpoint.state[CheckpointMapping.partialCorrectKey] = 2
        XCTAssertEqual(CheckpointMapping.partialEpoch(checkpoint), .init(lossSum: 2.5, correct: 2, images: 2))
    }
}
