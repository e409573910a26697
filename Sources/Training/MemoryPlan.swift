import InputData
import Layers
import Model
import OpenCLRuntime
import Optimization
import PipelineConfig

/// The device memory a training run needs, layer by layer, from the CS231n arithmetic:
/// activations (each layer's output values, and their gradients in a few buffers shared by
/// liveness, `GradientSharing`), parameters x3 (values, gradients, momentum), plus each layer's
/// scratch (columns, arg-max indices, saved statistics, a residual block's inner activations)
/// and the input staging.
///
/// It adds up the same `BufferRequest`s that the network, the layers, the optimizer, the input
/// slots, the step outputs and the evaluator allocate from, so the plan cannot drift from what
/// a run holds; parameters and state are counted from their buffers, which exist from the
/// moment a layer is built.
public struct MemoryPlan: Sendable, Encodable {
    public struct Row: Sendable, Encodable {
        public let layer: String
        public let outputShape: String
        public let activationsPerImage: Int
        public let parameters: Int
        /// The layer's output values (its output gradient lives in `gradientBuffer`).
        public let outputBytes: Int
        public let parameterBytes: Int
        public let scratchBytes: Int
        /// The letter of the shared buffer of `MemoryPlan.gradients` that holds this layer's
        /// output gradient during backward; empty for the input.
        public let gradientBuffer: String
        /// The largest single buffer this row allocates.
        public let largestBuffer: Int
        public var totalBytes: Int { outputBytes + parameterBytes + scratchBytes }
    }

    public let batch: Int
    public let rows: [Row]
    /// Input images and labels in device slots, the per-sample step outputs and, with test-time
    /// augmentation, the view of an input batch and the averaged scores that validation makes.
    public let staging: [BufferRequest]
    public let stagingSlots: Int

    /// The buffers the gradients of the layers' outputs share (`Network.gradientRequests`).
    public let gradients: [BufferRequest]
    /// What one gradient buffer per layer output, as large as the output, would take instead.
    public let unsharedGradientBytes: Int

    public var stagingBytes: Int { staging.totalBytes }
    public var gradientBytes: Int { gradients.totalBytes }
    public var totalBytes: Int { rows.reduce(stagingBytes + gradientBytes) { $0 + $1.totalBytes } }
    public var largestBuffer: Int { max(rows.map(\.largestBuffer).max() ?? 0, staging.largestBytes, gradients.largestBytes) }

    /// `lookahead`: one average per trainable parameter and layer state (see `Lookahead`).
    public init(network: Network, batch: Int, stagingSlots: Int, tta: TestTimeAugmentation = .none, lookahead: Bool = false) {
        self.batch = batch
        self.stagingSlots = stagingSlots
        let inputShape = network.inputShape
        var rows = [Row(layer: "input", outputShape: inputShape.description, activationsPerImage: inputShape.count,
                        parameters: 0, outputBytes: 0, parameterBytes: 0, scratchBytes: 0, gradientBuffer: "", largestBuffer: 0)]
        let sharing = network.gradientSharing(batch: batch)
        for (index, layer) in network.layers.enumerated() {
            let owned = layer.parameters.map { (layer: layer.name, parameter: $0) }
            let output = [Network.outputRequest(for: layer, batch: batch)]
            let momentum = MomentumSGD.momentumRequests(for: owned)
                + (lookahead ? Lookahead.requests(for: TrainingRun.averagedTensors(of: layer)) : [])
            let parameterBuffers = layer.parameters.flatMap { [$0.value.byteCount, $0.gradient.byteCount] }
                + layer.state.map(\.buffer.byteCount)
            let scratch = layer.scratchRequests(batch: batch)
            rows.append(Row(layer: layer.name, outputShape: layer.outputShape.description,
                            activationsPerImage: layer.outputShape.count, parameters: layer.parameters.reduce(0) { $0 + $1.count },
                            outputBytes: output.totalBytes,
                            parameterBytes: parameterBuffers.reduce(momentum.totalBytes, +),
                            scratchBytes: scratch.totalBytes,
                            gradientBuffer: GradientSharing.name(ofBuffer: sharing.buffers[0][index]),
                            largestBuffer: max(output.largestBytes, momentum.largestBytes, scratch.largestBytes)))
        }
        self.rows = rows
        gradients = network.gradientRequests(batch: batch)
        unsharedGradientBytes = rows.reduce(0) { $0 + $1.outputBytes }
        staging = InputSlotRing.requests(batch: batch, valuesPerImage: inputShape.count, count: stagingSlots)
            + StepOutputs.requests(batch: batch)
            + Evaluator.requests(batch: batch, valuesPerImage: inputShape.count, classes: network.outputShape.count, tta: tta)
    }

    /// Whether this plan fits `memory` bytes at `fraction`, with every buffer under `maxAllocation`.
    public func fits(memory: UInt64, fraction: Double, maxAllocation: UInt64) -> Bool {
        Double(totalBytes) <= Double(memory) * fraction && UInt64(largestBuffer) <= maxAllocation
    }

    /// The largest batch, a multiple of 8 up to `cap`, whose plan fits; nil when not even 8 fits.
    public static func largestBatch(network: Network, stagingSlots: Int, tta: TestTimeAugmentation = .none, lookahead: Bool = false,
                                    cap: Int,
                                    memory: UInt64, fraction: Double, maxAllocation: UInt64) -> Int? {
        var low = 0, high = max(cap / 8, 0)   // in units of 8; total memory grows with the batch
        while low < high {
            let middle = (low + high + 1) / 2
            let plan = MemoryPlan(network: network, batch: middle * 8, stagingSlots: stagingSlots, tta: tta, lookahead: lookahead)
            if plan.fits(memory: memory, fraction: fraction, maxAllocation: maxAllocation) { low = middle } else { high = middle - 1 }
        }
        return low == 0 ? nil : low * 8
    }
}
