import Checkpoints
import Foundation
@testable import Layers
import PipelineConfig
import XCTest
@testable import Training

/// The batch of a run, decided once: `--batch` over the pipeline, `auto`, a checkpoint's batch,
/// each rank's share, and the tuner measuring at that share.
final class BatchRequestTests: XCTestCase {
    let text = TrainingFixtures.tinyPipeline(folder: TrainingFixtures.temporaryFolder())

    /// `--batch N` reaches the pipeline as the override `train.batch=N` (PipelineOptions.allOverrides).
    func testBatchOptionOverridesThePipeline() throws {
        let config = try TrainingFixtures.config(text, overrides: ["train.batch=48"])
        let request = try BatchRequest(setting: config.train.batch)
        XCTAssertEqual(request.global, 48)
        XCTAssertEqual(request.source, .fixed)
        XCTAssertEqual(request.perRank, 48)
    }

    func testAutoIsSettledByTheMemoryPlan() throws {
        let config = try TrainingFixtures.config(text, overrides: ["train.batch=auto", "train.max_batch=64"])
        let request = try BatchRequest(setting: config.train.batch)
        XCTAssertNil(request.global)
        XCTAssertNil(request.perRank)
        let run = try TrainingFixtures.run(text, overrides: ["train.batch=auto", "train.max_batch=64"])
        XCTAssertEqual(run.batchChoice.source, .auto)
        XCTAssertEqual(run.batch, 64)
        XCTAssertEqual(run.localBatch, 64)
    }

    func testCheckpointBatchWinsOverThePipeline() throws {
        let checkpoint = Checkpoint(epoch: 1, step: 10, seed: 7, config: text, state: [CheckpointMapping.batchKey: 16])
        let request = try BatchRequest(setting: .fixed(32), checkpoint: checkpoint)
        XCTAssertEqual(request.global, 16)
        XCTAssertEqual(request.source, .checkpoint)
        let config = try TrainingFixtures.config(text)
        XCTAssertEqual(BatchRequest.stored(checkpoint, config: config), 16)
        XCTAssertEqual(BatchRequest.stored(Checkpoint(epoch: 1, step: 10, seed: 7, config: text), config: config), 32)
    }

    func testRanksShareTheBatch() throws {
        let request = try BatchRequest(setting: .fixed(32), ranks: 2)
        XCTAssertEqual(request.global, 32)
        XCTAssertEqual(request.perRank, 16)
        XCTAssertThrowsError(try BatchRequest(setting: .fixed(32), ranks: 3)) { error in
            XCTAssert(String(describing: error).contains("does not divide among 3 processes"), "\(error)")
        }
        XCTAssertThrowsError(try BatchRequest(setting: .auto, ranks: 3).perRank(of: 64))
    }

    /// Under two ranks the tuner measures every convolution at each rank's 16 images, not at 32.
    func testTunerMeasuresAtThePerRankBatch() throws {
        let folder = TrainingFixtures.temporaryFolder()
        let tuner = ConvolutionTuner(cache: TuningCache(url: folder.appendingPathComponent("tuning.json")))
        tuner.timer = { _, _ in 1 }
        let run = try TrainingRun(config: TrainingFixtures.config(text), context: TrainingFixtures.context,
                                  communicator: DataParallelPiecesTests.PretendRanks(), tuner: tuner)
        XCTAssertEqual(run.batch, 32)
        XCTAssertEqual(run.localBatch, 16)
        XCTAssertEqual(tuner.batch, 16)
        let probes = tuner.cache.entries.values.flatMap { $0.values.map(\.probeBatch) }
        XCTAssertFalse(probes.isEmpty, "the tiny network's convolutions were measured")
        XCTAssertEqual(Set(probes), [16])
    }
}
