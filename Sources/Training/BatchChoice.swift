import Layers
import OpenCLRuntime
import PipelineConfig

/// The batch size a run uses and the learning rate that goes with it.
///
/// `batch: auto` takes the largest multiple of 8 whose memory plan fits `memory_fraction` of the
/// device's global memory (or of `--memory-limit`) with every buffer under the device's largest
/// single allocation, capped by `max_batch` and by the training split. A fixed batch that does
/// not fit is refused before training, naming the largest that does. The learning rate scales
/// linearly from `reference_batch` to the chosen batch (unchanged when no reference is given).
public struct BatchChoice: Sendable {
    public enum Source: String, Sendable { case fixed, auto, checkpoint }

    public let batch: Int
    public let learningRate: Double
    public let baseLearningRate: Double
    public let referenceBatch: Int?
    public let source: Source
    public let plan: MemoryPlan
    /// Bytes the plan may use: memory_fraction of the (possibly limited) device memory.
    public let budget: Int
    public let deviceMemory: UInt64
    public let maxAllocation: UInt64

    public static func choose(config: PipelineConfig, network: Network, device: Device, memoryLimit: Int?,
                              trainCount: Int, fixed: Int? = nil) throws -> BatchChoice {
        let memory = memoryLimit.map { UInt64($0) } ?? device.globalMemory
        let maxAllocation = min(device.maxAllocation, memory)
        let fraction = config.train.memoryFraction
        let budget = Int(Double(memory) * fraction)
        let slots = MemoryPlan.inputSlots(prefetch: config.data.prefetch)
        let flip = config.train.tta == .flip
        func plan(_ batch: Int) -> MemoryPlan {
            MemoryPlan(inputShape: network.inputShape, layers: network.layers, batch: batch, stagingSlots: slots, flipBuffer: flip)
        }
        func largest() -> Int? {
            MemoryPlan.largestBatch(inputShape: network.inputShape, layers: network.layers, stagingSlots: slots, flipBuffer: flip,
                                    cap: min(config.train.maxBatch, trainCount), memory: memory, fraction: fraction,
                                    maxAllocation: maxAllocation)
        }
        let batch: Int
        let source: Source
        if let fixed {
            batch = fixed
            source = .checkpoint
        } else {
            switch config.train.batch {
            case .auto:
                guard let chosen = largest() else {
                    throw TrainingError.nothingFits(needed: plan(8).totalBytes, available: budget)
                }
                batch = chosen
                source = .auto
            case let .fixed(value):
                batch = value
                source = .fixed
            }
        }
        let chosenPlan = plan(batch)
        if source != .auto && !chosenPlan.fits(memory: memory, fraction: fraction, maxAllocation: maxAllocation) {
            throw TrainingError.batchDoesNotFit(batch: batch, needed: chosenPlan.totalBytes, available: budget, largest: largest())
        }
        let base = config.optimizer.lr
        let reference = config.train.referenceBatch
        let learningRate = reference.map { base * Double(batch) / Double($0) } ?? base
        return BatchChoice(batch: batch, learningRate: learningRate, baseLearningRate: base, referenceBatch: reference,
                           source: source, plan: chosenPlan, budget: budget, deviceMemory: memory, maxAllocation: maxAllocation)
    }

    public var summary: String {
        let why: String
        switch source {
        case .auto: why = "auto: the largest multiple of 8 within \(ByteCount.format(budget)) of \(ByteCount.format(Int(deviceMemory)))"
        case .fixed: why = "from the pipeline"
        case .checkpoint: why = "as in the checkpoint"
        }
        let rate: String
        if let referenceBatch {
            rate = "learning rate \(format(learningRate)) (= \(format(baseLearningRate)) x \(batch)/\(referenceBatch))"
        } else {
            rate = "learning rate \(format(learningRate)) (no train.reference_batch, so not scaled)"
        }
        return "batch \(batch) (\(why)), \(rate), planned device memory \(ByteCount.format(plan.totalBytes))"
    }

    private func format(_ value: Double) -> String { String(format: "%.6g", value) }
}
