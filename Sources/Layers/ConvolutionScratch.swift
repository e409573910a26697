import OpenCLRuntime

/// The device scratch of a convolution algorithm, allocated from its `BufferRequest`s so it
/// is exactly what the memory plan adds up; it grows when a larger chunk is reserved.
final class ConvolutionScratch {
    private let context: ComputeContext
    private var buffers: [DeviceBuffer<Float>] = []
    private var reservedChunk = 0

    init(context: ComputeContext) {
        self.context = context
    }

    /// Allocates `requests`, in order, unless chunks of `chunk` images fit already; true when it
    /// allocated new buffers.
    @discardableResult
    func reserve(_ requests: [BufferRequest], chunk: Int) throws -> Bool {
        guard chunk > reservedChunk else { return false }
        buffers = []   // release the smaller buffers before allocating their replacements
        buffers = try requests.map { try context.buffer(Float.self, for: $0) }
        reservedChunk = chunk
        return true
    }

    /// The buffer of the `index`-th request; only after `reserve`.
    subscript(index: Int) -> DeviceBuffer<Float> {
        precondition(index < buffers.count, "convolution scratch used before reserve(chunk:)")
        return buffers[index]
    }
}
