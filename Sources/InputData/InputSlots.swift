import Foundation
import OpenCLRuntime

/// Device buffers that uploaded batches land in, used in rotation so that the upload of the
/// next batch (on the transfer queue, from the pipeline's upload thread) overlaps the compute
/// of the current one. A slot is reused only after the trainer has released it and the compute
/// that read it has finished (the marker event recorded at release).
public final class InputSlot: @unchecked Sendable {
    public let images: DeviceBuffer<Float>
    public let labels: DeviceBuffer<Int32>
    var releasedAfter: Event?
    var free = true

    init(context: ComputeContext, images: BufferRequest, labels: BufferRequest) throws {
        self.images = try context.buffer(Float.self, for: images)
        self.labels = try context.buffer(Int32.self, for: labels)
    }
}

/// A batch on the device: which slot holds it and how many images it has.
public struct DeviceBatch: @unchecked Sendable {
    public let slot: InputSlot
    public let count: Int
    public let epoch: Int
    public let index: Int
}

/// The rotation of input slots, handed out to the upload stage in order.
///
/// With `prefetch` uploaded batches allowed to wait in the queue, one being uploaded and one
/// in compute, `prefetch + 2` slots let the uploader run without waiting on the trainer.
public final class InputSlotRing: @unchecked Sendable {
    private let slots: [InputSlot]
    private var next = 0
    private let condition = NSCondition()
    /// Set by `cancel()`: a waiting uploader gives up instead of waiting forever.
    private var cancelled = false

    public struct Cancelled: Error, CustomStringConvertible {
        public var description: String { "upload cancelled" }
    }

    /// Slots for batches of up to `batch` images of `valuesPerImage` floats each.
    public init(context: ComputeContext, batch: Int, valuesPerImage: Int, count: Int) throws {
        let requests = Self.requests(batch: batch, valuesPerImage: valuesPerImage, count: count)
        slots = try stride(from: 0, to: requests.count, by: 2).map {
            try InputSlot(context: context, images: requests[$0], labels: requests[$0 + 1])
        }
    }

    /// The buffers of `count` slots (images, labels per slot), as the plan counts and `init` allocates them.
    public static func requests(batch: Int, valuesPerImage: Int, count: Int) -> [BufferRequest] {
        (0..<count).flatMap { index in
            [BufferRequest(Float.self, count: batch * valuesPerImage, label: "input slot \(index)"),
             BufferRequest(Int32.self, count: batch, label: "label slot \(index)")]
        }
    }

    /// Device slots for uploaded batches: the prefetch queue's batches, one being uploaded and
    /// one in compute.
    public static func slotCount(prefetch: Int) -> Int { prefetch + 2 }

    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Makes every slot free again (between epochs, after the pipeline has stopped).
    public func reset() {
        condition.lock()
        for slot in slots { slot.free = true }
        next = 0
        cancelled = false
        condition.unlock()
    }

    /// Copies one host batch into the next slot through the transfer queue (blocking this
    /// thread, not the compute queue), after the compute that last read that slot is done.
    public func upload(images: [Float], labels: [Int32], count: Int, epoch: Int, index: Int) throws -> DeviceBatch {
        condition.lock()
        let slot = slots[next]
        next = (next + 1) % slots.count
        while !slot.free && !cancelled { condition.wait() }
        slot.free = false
        let pending = slot.releasedAfter
        slot.releasedAfter = nil
        let stop = cancelled
        condition.unlock()
        if stop { throw Cancelled() }
        try pending?.wait()
        try images.withUnsafeBytes { try slot.images.write($0, blocking: true, onTransferQueue: true) }
        try labels.withUnsafeBytes { try slot.labels.write($0, blocking: true, onTransferQueue: true) }
        return DeviceBatch(slot: slot, count: count, epoch: epoch, index: index)
    }

    /// Marks `batch`'s slot free once everything enqueued so far on the compute queue is done.
    public func release(_ batch: DeviceBatch, context: ComputeContext) throws {
        let event = try context.marker()
        condition.lock()
        batch.slot.releasedAfter = event
        batch.slot.free = true
        condition.broadcast()
        condition.unlock()
    }
}
