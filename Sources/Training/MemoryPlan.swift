import Layers

/// The device memory a training run needs, layer by layer, from the CS231n arithmetic:
/// activations x2 (values and gradients), parameters x3 (values, gradients, momentum),
/// plus each layer's scratch (im2col columns, arg-max indices, saved statistics) and the
/// input staging buffers the upload stage rotates through.
///
/// It mirrors what `Network.reserve`, `MomentumSGD` and the trainer's input slots allocate,
/// so the total can be checked against the allocator's measured peak.
public struct MemoryPlan: Sendable, Encodable {
    public struct Row: Sendable, Encodable {
        public let layer: String
        public let outputShape: String
        public let activationsPerImage: Int
        public let parameters: Int
        public let activationBytes: Int
        public let parameterBytes: Int
        public let scratchBytes: Int
        /// The largest single buffer this row allocates.
        public let largestBuffer: Int
        public var totalBytes: Int { activationBytes + parameterBytes + scratchBytes }
    }

    public let batch: Int
    public let rows: [Row]
    /// Input images and labels in device slots, plus per-sample loss buffers and, with flip
    /// test-time augmentation, the mirrored copy of an input batch that validation makes.
    public let stagingBytes: Int
    public let stagingSlots: Int
    public let flipBuffer: Bool

    public var totalBytes: Int { rows.reduce(stagingBytes) { $0 + $1.totalBytes } }
    public var largestBuffer: Int {
        rows.map(\.largestBuffer).max().map { max($0, stagingBytes / max(stagingSlots, 1)) } ?? stagingBytes
    }

    static let float = MemoryLayout<Float>.stride

    /// Device slots for uploaded batches (see `InputSlotRing`): the prefetch queue's batches,
    /// one being uploaded and one in compute.
    public static func inputSlots(prefetch: Int) -> Int { prefetch + 2 }

    public init(inputShape: Shape, layers: [Layer], batch: Int, stagingSlots: Int, flipBuffer: Bool = false) {
        self.batch = batch
        self.stagingSlots = stagingSlots
        self.flipBuffer = flipBuffer
        var rows = [Row(layer: "input", outputShape: inputShape.description, activationsPerImage: inputShape.count,
                        parameters: 0, activationBytes: 0, parameterBytes: 0, scratchBytes: 0, largestBuffer: 0)]
        for layer in layers {
            let parameters = layer.parameters.reduce(0) { $0 + $1.count }
            let stateBytes = layer.state.reduce(0) { $0 + $1.buffer.byteCount }
            let activation = batch * layer.outputShape.count * MemoryPlan.float
            let largestParameter = layer.parameters.map { $0.count * MemoryPlan.float }.max() ?? 0
            rows.append(Row(layer: layer.name, outputShape: layer.outputShape.description,
                            activationsPerImage: layer.outputShape.count, parameters: parameters,
                            activationBytes: 2 * activation, parameterBytes: 3 * parameters * MemoryPlan.float + stateBytes,
                            scratchBytes: layer.scratchBytes(batch: batch),
                            largestBuffer: max(activation, largestParameter)))
        }
        self.rows = rows
        let perSlot = batch * (inputShape.count * MemoryPlan.float + MemoryLayout<Int32>.stride)
        let lossBuffers = batch * (MemoryPlan.float + MemoryLayout<Int32>.stride)
        let flipped = flipBuffer ? batch * inputShape.count * MemoryPlan.float : 0
        stagingBytes = stagingSlots * perSlot + lossBuffers + flipped
    }

    /// Whether this plan fits `memory` bytes at `fraction`, with every buffer under `maxAllocation`.
    public func fits(memory: UInt64, fraction: Double, maxAllocation: UInt64) -> Bool {
        Double(totalBytes) <= Double(memory) * fraction && UInt64(largestBuffer) <= maxAllocation
    }

    /// The largest batch, a multiple of 8 up to `cap`, whose plan fits; nil when not even 8 fits.
    public static func largestBatch(inputShape: Shape, layers: [Layer], stagingSlots: Int, flipBuffer: Bool = false, cap: Int,
                                    memory: UInt64, fraction: Double, maxAllocation: UInt64) -> Int? {
        var low = 0, high = max(cap / 8, 0)   // in units of 8; total memory grows with the batch
        while low < high {
            let middle = (low + high + 1) / 2
            let plan = MemoryPlan(inputShape: inputShape, layers: layers, batch: middle * 8, stagingSlots: stagingSlots,
                                  flipBuffer: flipBuffer)
            if plan.fits(memory: memory, fraction: fraction, maxAllocation: maxAllocation) { low = middle } else { high = middle - 1 }
        }
        return low == 0 ? nil : low * 8
    }
}
