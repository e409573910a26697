import Foundation
import InputData
import Layers
import Model
import OpenCLRuntime
import PipelineConfig
import XCTest
@testable import Training

final class MemoryPlanTests: XCTestCase {
    /// The plan's total against what the allocator really holds once a run is set up
    /// (network, optimizer, input slots, step outputs): equal to the byte, since both come
    /// from the same buffer requests.
    func assertPlanMatchesAllocator(pipeline: String, batch: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let context = try ComputeContext(selector: "cpu")
        let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/\(pipeline)").path
        let config = try PipelineConfig.load(path: path, overrides: [
            "data.source=synthetic", "data.synthetic_train=2000", "train.batch=\(batch)",
            "checkpoint.folder=\(TrainingFixtures.temporaryFolder().path)",
        ])
        let run = try TrainingRun(config: config, context: context)
        _ = try Trainer(run: run, options: .init(quiet: true))
        let measured = context.memory.peak
        let planned = run.batchChoice.plan.totalBytes
        print("memory \(pipeline) batch \(batch): planned \(planned) bytes, allocator peak \(measured) bytes")
        XCTAssertEqual(measured, planned, "\(pipeline) at batch \(batch): plan \(planned), allocator \(measured)", file: file, line: line)
    }

    func testPlanMatchesAllocatorPeak() throws {
        try assertPlanMatchesAllocator(pipeline: "quickstart.yaml", batch: 32)
        try assertPlanMatchesAllocator(pipeline: "quickstart.yaml", batch: 128)
        try assertPlanMatchesAllocator(pipeline: "cifar10-quick.yaml", batch: 50)
        try assertPlanMatchesAllocator(pipeline: "cifar10-quick.yaml", batch: 200)
    }

    /// Residual networks: the blocks' inner outputs and shared gradients are planned as allocated.
    func testPlanMatchesAllocatorPeakOfResidualNetworks() throws {
        try assertPlanMatchesAllocator(pipeline: "resnet20.yaml", batch: 16)
        try assertPlanMatchesAllocator(pipeline: "plain20.yaml", batch: 16)
    }

    /// The layers' output gradients share a few buffers by liveness: far less than one buffer
    /// per output. cifar10-fast at batch 1024 (arithmetic only, nothing allocated): three buffers
    /// of 65536, 24576 and 16384 values per image instead of 418058.
    func testGradientBuffersAreShared() throws {
        let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/cifar10-fast.yaml").path
        let config = try PipelineConfig.load(path: path, overrides: ["data.source=synthetic"])
        let network = try NetworkBuilder.build(config: config, context: TrainingFixtures.context)
        let plan = MemoryPlan(network: network, batch: 1024, stagingSlots: 6)
        XCTAssertEqual(plan.gradients.map(\.count), [65536, 24576, 16384].map { $0 * 1024 })
        XCTAssertEqual(plan.unsharedGradientBytes, 418_058 * 1024 * 4)
        XCTAssertEqual(plan.rows.dropFirst().map(\.gradientBuffer).prefix(4), ["a", "b", "a", "b"])
        for pipeline in ["quickstart.yaml", "resnet20.yaml"] {
            let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/\(pipeline)").path
            let network = try NetworkBuilder.build(config: PipelineConfig.load(path: path, overrides: ["data.source=synthetic"]),
                                                   context: TrainingFixtures.context)
            let plan = MemoryPlan(network: network, batch: 128, stagingSlots: 4)
            XCTAssertLessThan(plan.gradientBytes * 2, plan.unsharedGradientBytes, pipeline)
        }
    }

    /// Measuring the convolutions allocates probe buffers; the peak after it is the plan's.
    func testPlanMatchesAllocatorPeakAfterTuning() throws {
        let context = try ComputeContext(selector: "cpu")
        let cacheFolder = TrainingFixtures.temporaryFolder()
        let tuner = ConvolutionTuner(cache: TuningCache(url: cacheFolder.appendingPathComponent("tuning.json")))
        let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/cifar10-quick.yaml").path
        let config = try PipelineConfig.load(path: path, overrides: [
            "data.source=synthetic", "data.synthetic_train=200", "train.batch=50",
            "checkpoint.folder=\(TrainingFixtures.temporaryFolder().path)",
        ])
        let run = try TrainingRun(config: config, context: context, tuner: tuner)
        XCTAssertGreaterThan(tuner.measured, 0)
        _ = try Trainer(run: run, options: .init(quiet: true))
        XCTAssertEqual(context.memory.peak, run.batchChoice.plan.totalBytes)
    }

    func testTestTimeAugmentationIsPlanned() throws {
        let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/quickstart.yaml").path
        let overrides = ["data.source=synthetic", "data.synthetic_train=512", "data.synthetic_validation=256", "train.batch=64",
                         "checkpoint.folder=\(TrainingFixtures.temporaryFolder().path)"]
        let plain = try TrainingRun(config: PipelineConfig.load(path: path, overrides: overrides + ["train.tta=none"]),
                                    context: TrainingFixtures.context)
        for tta in [TestTimeAugmentation.flip, .flipTranslate] {
            let context = try ComputeContext(selector: "cpu")
            let run = try TrainingRun(config: PipelineConfig.load(path: path, overrides: overrides + ["train.tta=\(tta.rawValue)"]),
                                      context: context)
            // One view of an input batch (shifted and/or mirrored) and the averaged scores.
            XCTAssertEqual(run.batchChoice.plan.totalBytes - plain.batchChoice.plan.totalBytes, 64 * 3 * 32 * 32 * 4 + 64 * 10 * 4)
            _ = try Trainer(run: run, options: .init(quiet: true))
            _ = try run.evaluator().evaluate(split: .validation, epoch: 1, tta: tta)
            let planned = run.batchChoice.plan.totalBytes, measured = context.memory.peak
            XCTAssertEqual(measured, planned, "\(tta): plan \(planned), allocator \(measured)")
        }
    }

    /// A whole run with validation every epoch (and flip TTA) peaks exactly at the plan: the
    /// trainer and every validation share one set of step outputs.
    func testPeakOfARunWithValidationEqualsThePlan() throws {
        let context = try ComputeContext(selector: "cpu")
        let folder = TrainingFixtures.temporaryFolder()
        let text = TrainingFixtures.tinyPipeline(folder: folder, epochs: 2)
        let run = try TrainingRun(config: TrainingFixtures.config(text, overrides: ["train.tta=flip"]), context: context)
        try Trainer(run: run, options: .init(quiet: true)).train()
        XCTAssertEqual(context.memory.peak, run.batchChoice.plan.totalBytes)
    }

    /// Lookahead averages and frozen parameters (no momentum) are planned as allocated.
    func testPeakOfARecipeRunEqualsThePlan() throws {
        let context = try ComputeContext(selector: "cpu")
        let text = TrainingFixtures.recipePipeline(folder: TrainingFixtures.temporaryFolder(), epochs: 1)
        let run = try TrainingRun(config: TrainingFixtures.config(text), context: context)
        XCTAssertNotNil(run.lookahead)
        try Trainer(run: run, options: .init(quiet: true)).train()
        XCTAssertEqual(context.memory.peak, run.batchChoice.plan.totalBytes)
    }

    func testMemoryLimitGivesBatchesThatFitAndGrow() throws {
        let path = TrainingFixtures.repositoryRoot.appendingPathComponent("pipelines/cifar10-quick.yaml").path
        let config = try PipelineConfig.load(path: path, overrides: ["data.source=synthetic", "data.synthetic_train=50000",
                                                                     "train.batch=auto", "train.max_batch=100000"])
        let network = try NetworkBuilder.build(config: config, context: TrainingFixtures.context)
        let slots = InputSlotRing.slotCount(prefetch: config.data.prefetch)
        var batches: [Int] = []
        for limit in [256 << 20, 1 << 30] {
            let choice = try BatchChoice.choose(try BatchRequest(setting: config.train.batch), train: config.train,
                                                prefetch: config.data.prefetch, network: network,
                                                device: TrainingFixtures.context.device, memoryLimit: limit, trainCount: 50_000)
            XCTAssertEqual(choice.batch % 8, 0)
            XCTAssertLessThanOrEqual(Double(choice.plan.totalBytes), 0.9 * Double(limit))
            let next = MemoryPlan(network: network, batch: choice.batch + 8, stagingSlots: slots)
            XCTAssertGreaterThan(Double(next.totalBytes), 0.9 * Double(limit), "auto picks the largest batch that fits")
            batches.append(choice.batch)
        }
        print("auto batch for cifar10-quick: 256 MiB -> \(batches[0]), 1 GiB -> \(batches[1])")
        XCTAssertGreaterThan(batches[1], batches[0])
    }

    func testTooLargeBatchIsRefusedWithTheLargestThatFits() throws {
        let text = TrainingFixtures.tinyPipeline(folder: TrainingFixtures.temporaryFolder())
        XCTAssertThrowsError(try TrainingFixtures.run(text, overrides: ["train.batch=600"], memoryLimit: 8 << 20)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("batch 600 needs"), message)
            XCTAssertTrue(message.contains("the largest batch that fits is"), message)
            XCTAssertTrue(message.contains("auto"), message)
        }
    }

    func testLearningRateScalesLinearlyWithTheAutoBatch() throws {
        let text = TrainingFixtures.tinyPipeline(folder: TrainingFixtures.temporaryFolder())
        let run = try TrainingFixtures.run(text, overrides: ["train.batch=auto", "train.reference_batch=32"], memoryLimit: 64 << 20)
        let batch = run.batch
        XCTAssertEqual(run.optimizer.policy.scaledRate, 0.05 * Double(batch) / 32, accuracy: 1e-12)
        XCTAssertTrue(run.batchSummary.contains("batch \(batch) (auto"), run.batchSummary)
        XCTAssertTrue(run.batchSummary.contains("x \(batch)/32"), run.batchSummary)
    }
}

import PipelineConfig
