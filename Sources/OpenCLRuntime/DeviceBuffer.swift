import COpenCL
import Foundation

/// A typed region of device memory, released when the last reference goes.
public final class DeviceBuffer<Element>: @unchecked Sendable {
    public let mem: cl_mem
    public let count: Int
    public let label: String
    // Strong: a buffer keeps its context (and so its OpenCL context) alive until it is released.
    let context: ComputeContext

    public var byteCount: Int { count * MemoryLayout<Element>.stride }

    init(context: ComputeContext, count: Int, label: String) throws {
        precondition(count >= 0, "a buffer cannot have a negative size")
        self.context = context
        self.count = count
        self.label = label
        // OpenCL refuses zero-sized buffers; one element keeps empty tensors legal.
        let bytes = max(count, 1) * MemoryLayout<Element>.stride
        if UInt64(bytes) > context.device.maxAllocation {
            throw CLError(status: CL_INVALID_BUFFER_SIZE, call: "clCreateBuffer",
                          detail: "buffer '\(label)' needs \(ByteCount.format(bytes)), more than the device's largest single allocation "
                            + "(\(ByteCount.format(Int(context.device.maxAllocation)))); use a smaller batch or `batch: auto`")
        }
        var status: cl_int = 0
        let mem = clCreateBuffer(context.context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        guard status == CL_SUCCESS, let mem else {
            throw CLError(status: status, call: "clCreateBuffer",
                          detail: "buffer '\(label)' of \(ByteCount.format(bytes)) with \(ByteCount.format(context.memory.bytesInUse)) "
                            + "already allocated; use a smaller batch or `batch: auto`")
        }
        self.mem = mem
        context.memory.allocated(bytes)
    }

    deinit {
        clReleaseMemObject(mem)
        context.memory.released(max(count, 1) * MemoryLayout<Element>.stride)
    }

    /// Copies `values` (at most `count` elements) into the buffer from `offset` on; blocks until done.
    public func write(_ values: [Element], offset: Int = 0) throws {
        precondition(offset >= 0 && offset + values.count <= count, "write of \(values.count) at \(offset) overflows '\(label)' (\(count))")
        if values.isEmpty { return }
        try values.withUnsafeBytes { raw in
            try write(raw, offset: offset, blocking: true)
        }
    }

    /// Copies raw host bytes into the buffer. A non-blocking write needs the host memory to
    /// stay valid until the queue has passed it (`finish()` or an event).
    /// `onTransferQueue` copies through the context's second queue, beside running kernels.
    public func write(_ raw: UnsafeRawBufferPointer, offset: Int = 0, blocking: Bool, onTransferQueue: Bool = false) throws {
        let stride = MemoryLayout<Element>.stride
        precondition(raw.count % stride == 0 && offset * stride + raw.count <= byteCount, "write overflows '\(label)'")
        if blocking { context.commands.hostWait() } else { context.commands.transfer() }
        try CLError.check(
            clEnqueueWriteBuffer(onTransferQueue ? context.transferQueue : context.queue, mem, blocking ? cl_bool(CL_TRUE) : cl_bool(CL_FALSE), offset * stride, raw.count, raw.baseAddress, 0, nil, nil),
            "clEnqueueWriteBuffer", detail: "buffer '\(label)'")
    }

    /// The buffer's contents (or `count` elements from `offset`), after every queued command.
    /// `onTransferQueue` reads through the context's second queue, beside running kernels: the
    /// caller must first wait for the commands that write the buffer (an event or `finish()`).
    public func read(offset: Int = 0, count: Int? = nil, onTransferQueue: Bool = false) throws -> [Element] {
        let n = count ?? (self.count - offset)
        precondition(offset >= 0 && n >= 0 && offset + n <= self.count, "read past the end of '\(label)'")
        if n == 0 { return [] }
        context.commands.hostWait()
        return try [Element](unsafeUninitializedCapacity: n) { storage, initialized in
            try CLError.check(
                clEnqueueReadBuffer(onTransferQueue ? context.transferQueue : context.queue, mem, cl_bool(CL_TRUE),
                                    offset * MemoryLayout<Element>.stride,
                                    n * MemoryLayout<Element>.stride, storage.baseAddress, 0, nil, nil),
                "clEnqueueReadBuffer", detail: "buffer '\(label)'")
            initialized = n
        }
    }

    /// Sets every element to `value`.
    public func fill(_ value: Element) throws {
        if count == 0 { return }
        var pattern = value
        context.commands.transfer()
        try CLError.check(
            clEnqueueFillBuffer(context.queue, mem, &pattern, MemoryLayout<Element>.stride, 0, byteCount, 0, nil, nil),
            "clEnqueueFillBuffer", detail: "buffer '\(label)'")
    }

    /// Copies `count` elements from `source` into this buffer on the device.
    public func copy(from source: DeviceBuffer<Element>, count: Int? = nil, sourceOffset: Int = 0, offset: Int = 0) throws {
        let n = count ?? source.count
        if n == 0 { return }
        let stride = MemoryLayout<Element>.stride
        precondition(sourceOffset + n <= source.count && offset + n <= self.count, "copy overflows '\(label)'")
        context.commands.transfer()
        try CLError.check(
            clEnqueueCopyBuffer(context.queue, source.mem, mem, sourceOffset * stride, offset * stride, n * stride, 0, nil, nil),
            "clEnqueueCopyBuffer", detail: "'\(source.label)' to '\(label)'")
    }
}

/// Human-readable byte counts (KiB, MiB, GiB), as used in errors and tables.
public enum ByteCount {
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// The largest size `parse` accepts: 1 PiB, far above any device's memory.
    public static let maximum = 1 << 50

    /// Parses "256MiB", "1 GiB", "4G", "1000000" (bytes); nil for anything that is not a size or
    /// lies above `maximum` (so no value can overflow an Int).
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let number = Double(digits), number.isFinite else { return nil }
        let suffix = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let scale: Double
        switch suffix {
        case "", "b": scale = 1
        case "k", "kb", "kib": scale = 1024
        case "m", "mb", "mib": scale = 1024 * 1024
        case "g", "gb", "gib": scale = 1024 * 1024 * 1024
        case "t", "tb", "tib": scale = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        let bytes = number * scale
        guard bytes.isFinite, bytes <= Double(maximum) else { return nil }
        return Int(bytes)
    }

    /// Whether `text` has the form of a size but is larger than `maximum`.
    public static func isTooLarge(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        return parse(text) == nil && Double(digits) != nil && parse(String(digits.prefix(1))
            + trimmed.dropFirst(digits.count)) != nil
    }
}
