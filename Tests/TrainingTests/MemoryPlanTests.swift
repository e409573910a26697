import Foundation
import OpenCLRuntime
import XCTest
@testable import Training

final class MemoryPlanTests: XCTestCase {
    /// The plan's total against what the allocator really holds once a run is set up
    /// (network, optimizer, input slots, loss buffers).
    func assertPlanMatchesAllocator(pipeline: String, batch: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let context = try ComputeContext(selector: "cpu")
        let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/\(pipeline)").path
        let config = try PipelineConfig.load(path: path, overrides: [
            "data.source=synthetic", "data.synthetic_train=2000", "train.batch=\(batch)",
            "checkpoint.folder=\(TrainingFixtures.temporaryFolder().path)",
        ])
        let setup = try TrainingSetup(config: config, context: context)
        _ = try Trainer(setup: setup, options: .init(quiet: true))
        let measured = context.memory.peak
        let planned = setup.batchChoice.plan.totalBytes
        print("memory \(pipeline) batch \(batch): planned \(planned) bytes, allocator peak \(measured) bytes")
        XCTAssertEqual(Double(measured), Double(planned), accuracy: 0.1 * Double(planned),
                       "\(pipeline) at batch \(batch): plan \(planned), allocator \(measured)", file: file, line: line)
    }

    func testPlanMatchesAllocatorPeak() throws {
        try assertPlanMatchesAllocator(pipeline: "quickstart.yaml", batch: 32)
        try assertPlanMatchesAllocator(pipeline: "quickstart.yaml", batch: 128)
        try assertPlanMatchesAllocator(pipeline: "cifar10-quick.yaml", batch: 50)
        try assertPlanMatchesAllocator(pipeline: "cifar10-quick.yaml", batch: 200)
    }

    func testFlipTestTimeAugmentationIsPlanned() throws {
        let context = try ComputeContext(selector: "cpu")
        let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/quickstart.yaml").path
        let overrides = ["data.source=synthetic", "data.synthetic_train=512", "data.synthetic_validation=256", "train.batch=64",
                         "checkpoint.folder=\(TrainingFixtures.temporaryFolder().path)"]
        let plain = try TrainingSetup(config: PipelineConfig.load(path: path, overrides: overrides + ["train.tta=none"]),
                                      context: TrainingFixtures.context)
        let setup = try TrainingSetup(config: PipelineConfig.load(path: path, overrides: overrides + ["train.tta=flip"]), context: context)
        // The mirrored copy of one input batch that validation makes.
        XCTAssertEqual(setup.batchChoice.plan.totalBytes - plain.batchChoice.plan.totalBytes, 64 * 3 * 32 * 32 * 4)
        _ = try Trainer(setup: setup, options: .init(quiet: true))
        _ = try Evaluator(setup: setup).evaluate(split: .validation, epoch: 1, tta: true)
        let planned = setup.batchChoice.plan.totalBytes, measured = context.memory.peak
        XCTAssertEqual(Double(measured), Double(planned), accuracy: 0.1 * Double(planned), "plan \(planned), allocator \(measured)")
    }

    func testMemoryLimitGivesBatchesThatFitAndGrow() throws {
        let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/cifar10-quick.yaml").path
        let config = try PipelineConfig.load(path: path, overrides: ["data.source=synthetic", "data.synthetic_train=50000",
                                                                     "train.batch=auto", "train.max_batch=100000"])
        let network = try NetworkBuilder.build(config: config, context: TrainingFixtures.context)
        var batches: [Int] = []
        for limit in [256 << 20, 1 << 30] {
            let choice = try BatchChoice.choose(config: config, network: network, device: TrainingFixtures.context.device,
                                                memoryLimit: limit, trainCount: 50_000)
            XCTAssertEqual(choice.batch % 8, 0)
            XCTAssertLessThanOrEqual(Double(choice.plan.totalBytes), 0.9 * Double(limit))
            let next = MemoryPlan(inputShape: network.inputShape, layers: network.layers, batch: choice.batch + 8,
                                  stagingSlots: choice.plan.stagingSlots)
            XCTAssertGreaterThan(Double(next.totalBytes), 0.9 * Double(limit), "auto picks the largest batch that fits")
            batches.append(choice.batch)
        }
        print("auto batch for cifar10-quick: 256 MiB -> \(batches[0]), 1 GiB -> \(batches[1])")
        XCTAssertGreaterThan(batches[1], batches[0])
    }

    func testTooLargeBatchIsRefusedWithTheLargestThatFits() throws {
        let text = TrainingFixtures.tinyPipeline(folder: TrainingFixtures.temporaryFolder())
        XCTAssertThrowsError(try TrainingFixtures.setup(text, overrides: ["train.batch=600"], memoryLimit: 8 << 20)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("batch 600 needs"), message)
            XCTAssertTrue(message.contains("the largest batch that fits is"), message)
            XCTAssertTrue(message.contains("auto"), message)
        }
    }

    func testLearningRateScalesLinearlyWithTheAutoBatch() throws {
        let text = TrainingFixtures.tinyPipeline(folder: TrainingFixtures.temporaryFolder())
        let setup = try TrainingFixtures.setup(text, overrides: ["train.batch=auto", "train.reference_batch=32"], memoryLimit: 64 << 20)
        let batch = setup.batch
        XCTAssertEqual(setup.learningRate, 0.05 * Double(batch) / 32, accuracy: 1e-12)
        XCTAssertTrue(setup.batchSummary.contains("batch \(batch) (auto"), setup.batchSummary)
        XCTAssertTrue(setup.batchSummary.contains("x \(batch)/32"), setup.batchSummary)
    }
}

import PipelineConfig
