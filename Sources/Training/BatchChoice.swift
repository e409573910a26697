import InputData
import Layers
import Model
import OpenCLRuntime
import PipelineConfig

/// The batch size a run uses, and the memory plan at that batch.
///
/// `batch: auto` takes the largest multiple of 8 whose memory plan fits `memory_fraction` of the
/// device's global memory (or of `--memory-limit`) with every buffer under the device's largest
/// single allocation, capped by `max_batch` and by the training split. A fixed batch that does
/// not fit is refused before training, naming the largest that does. (The learning rate that
/// goes with the batch is `LearningRatePolicy`'s.)
public struct BatchChoice: Sendable {
    public typealias Source = BatchRequest.Source

    /// The global batch, over all ranks.
    public let batch: Int
    public let source: Source
    public let plan: MemoryPlan
    /// Bytes the plan may use: memory_fraction of the (possibly limited) device memory.
    public let budget: Int
    public let deviceMemory: UInt64
    public let maxAllocation: UInt64

    /// `request`: the batch asked for (`auto` is settled here); `lookahead`: the optimizer keeps
    /// a lookahead average of the weights.
    public static func choose(_ request: BatchRequest, train: TrainSettings, prefetch: Int, network: Network, device: Device,
                              memoryLimit: Int?, trainCount: Int, lookahead: Bool = false) throws -> BatchChoice {
        let memory = memoryLimit.map { UInt64($0) } ?? device.globalMemory
        let maxAllocation = min(device.maxAllocation, memory)
        let fraction = train.memoryFraction
        let budget = Int(Double(memory) * fraction)
        let slots = InputSlotRing.slotCount(prefetch: prefetch)
        func plan(_ batch: Int) -> MemoryPlan {
            MemoryPlan(network: network, batch: batch, stagingSlots: slots, tta: train.tta, lookahead: lookahead)
        }
        func largest() -> Int? {
            MemoryPlan.largestBatch(network: network, stagingSlots: slots, tta: train.tta, lookahead: lookahead,
                                    cap: min(train.maxBatch, trainCount),
                                    memory: memory, fraction: fraction, maxAllocation: maxAllocation)
        }
        let batch: Int
        if let requested = request.global {
            batch = requested
        } else {
            guard let chosen = largest() else {
                throw TrainingError.nothingFits(needed: plan(8).totalBytes, available: budget)
            }
            batch = chosen
        }
        let source = request.source
        let chosenPlan = plan(batch)
        if source != .auto && !chosenPlan.fits(memory: memory, fraction: fraction, maxAllocation: maxAllocation) {
            let cap = train.maxBatch <= trainCount ? BatchCap(name: "train.max_batch", value: train.maxBatch)
                : BatchCap(name: "the training split", value: trainCount)
            throw TrainingError.batchDoesNotFit(batch: batch, needed: chosenPlan.totalBytes, available: budget, largest: largest(), cap: cap)
        }
        return BatchChoice(batch: batch, source: source, plan: chosenPlan, budget: budget, deviceMemory: memory,
                           maxAllocation: maxAllocation)
    }

    /// Why this batch: from the pipeline, the checkpoint, or the largest that fits.
    public var reason: String {
        switch source {
        case .auto: return "auto: the largest multiple of 8 within \(ByteCount.format(budget)) of \(ByteCount.format(Int(deviceMemory)))"
        case .fixed: return "from the pipeline"
        case .checkpoint: return "as in the checkpoint"
        }
    }
}
