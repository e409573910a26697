import COpenCL
import Foundation

/// A device with its OpenCL context, one in-order command queue, a program cache and a
/// count of the device memory held through it.
///
/// Everything in Conveyor that runs kernels goes through one of these.
public final class ComputeContext: @unchecked Sendable {
    public let device: Device
    public let context: cl_context
    public let queue: cl_command_queue
    /// A second in-order queue for host-to-device copies, so uploads overlap compute.
    public let transferQueue: cl_command_queue
    public let profiling: Bool
    public let memory: MemoryTracker
    /// Launches, buffer commands and host waits so far.
    public let commands = CommandCounts()
    let programs = ProgramCache()
    private var profileRecorder: KernelProfileRecorder?

    public init(device: Device, profiling: Bool = false) throws {
        self.device = device
        self.profiling = profiling
        memory = MemoryTracker()
        var status: cl_int = 0
        var deviceID: cl_device_id? = device.id
        guard let context = clCreateContext(nil, 1, &deviceID, nil, nil, &status) else {
            throw CLError(status: status, call: "clCreateContext", detail: "device \(device.name)")
        }
        try CLError.check(status, "clCreateContext")
        self.context = context
        let properties: cl_command_queue_properties = profiling ? cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE) : 0
        guard let queue = clCreateCommandQueue(context, device.id, properties, &status) else {
            clReleaseContext(context)
            throw CLError(status: status, call: "clCreateCommandQueue", detail: "device \(device.name)")
        }
        self.queue = queue
        guard let transferQueue = clCreateCommandQueue(context, device.id, 0, &status) else {
            clReleaseCommandQueue(queue)
            clReleaseContext(context)
            throw CLError(status: status, call: "clCreateCommandQueue", detail: "transfer queue on \(device.name)")
        }
        self.transferQueue = transferQueue
    }

    /// A context on the device chosen by `--device` (see `DeviceSelector`).
    public convenience init(selector: String?, profiling: Bool = false) throws {
        try self.init(device: DeviceSelector.select(selector), profiling: profiling)
    }

    deinit {
        clFinish(queue)
        clFinish(transferQueue)
        clReleaseCommandQueue(queue)
        clReleaseCommandQueue(transferQueue)
        clReleaseContext(context)
    }

    /// Waits until every command enqueued so far has finished.
    public func finish() throws {
        commands.hostWait()
        try CLError.check(clFinish(queue), "clFinish")
    }

    /// An event that completes when every command enqueued so far on the compute queue has.
    public func marker() throws -> Event {
        var event: cl_event? = nil
        try CLError.check(clEnqueueMarkerWithWaitList(queue, 0, nil, &event), "clEnqueueMarkerWithWaitList")
        return Event(event!)
    }

    /// Sends enqueued commands to the device without waiting for them.
    public func flush() throws {
        try CLError.check(clFlush(queue), "clFlush")
    }

    // MARK: Programs and kernels

    /// The program built from `source` with `options` (`-D NAME=value` pairs and flags), from
    /// the cache when it was built before with the same options on this device.
    public func program(source: String, name: String, defines: [String: String] = [:], flags: [String] = []) throws -> Program {
        let options = (defines.sorted { $0.key < $1.key }.map { "-D \($0.key)=\($0.value)" } + flags).joined(separator: " ")
        return try programs.program(key: ProgramCache.Key(name: name, source: source, options: options)) {
            try Program(context: self, source: source, name: name, options: options)
        }
    }

    /// The number of programs built so far (the cache's misses).
    public var programsBuilt: Int { programs.builds }

    /// Enqueues `kernel` over `global` work-items (rounded up to a multiple of `local` when given).
    @discardableResult
    public func launch(_ kernel: Kernel, global: [Int], local: [Int]? = nil, wantEvent: Bool = false) throws -> Event? {
        precondition(!global.isEmpty && global.count <= 3, "1 to 3 dimensions")
        var globalSizes = global.map { max($0, 1) }
        if let local {
            precondition(local.count == global.count, "local and global sizes need the same dimensions")
            for i in globalSizes.indices { globalSizes[i] = (globalSizes[i] + local[i] - 1) / local[i] * local[i] }
        }
        var event: cl_event? = nil
        let recordEvent = wantEvent || profiling
        let status: cl_int = globalSizes.withUnsafeBufferPointer { g in
            withUnsafeMutablePointer(to: &event) { eventPointer in
                let eventOut = recordEvent ? eventPointer : nil
                guard let local else {
                    return clEnqueueNDRangeKernel(queue, kernel.kernel, cl_uint(global.count), nil, g.baseAddress, nil, 0, nil, eventOut)
                }
                return local.withUnsafeBufferPointer { l in
                    clEnqueueNDRangeKernel(queue, kernel.kernel, cl_uint(global.count), nil, g.baseAddress, l.baseAddress, 0, nil, eventOut)
                }
            }
        }
        try CLError.check(status, "clEnqueueNDRangeKernel",
                          detail: "kernel \(kernel.name), global \(globalSizes), local \(local.map { "\($0)" } ?? "auto")")
        commands.kernel()
        let wrapped = event.map { Event($0) }
        if let profileRecorder, let wrapped { profileRecorder.record(kernel.name, wrapped) }
        return wrapped
    }

    /// Starts recording every kernel launch for `kernelProfile()` (needs `profiling: true`).
    public func startKernelProfile() {
        precondition(profiling, "a kernel profile needs a context made with profiling: true")
        profileRecorder = KernelProfileRecorder()
    }

    /// Device time per kernel since `startKernelProfile()`, slowest first; stops recording.
    public func kernelProfile() throws -> [KernelProfileEntry] {
        try finish()
        defer { profileRecorder = nil }
        return try profileRecorder?.summary() ?? []
    }

    // MARK: Buffers

    /// A new device buffer of `count` elements; `label` names it in allocation errors.
    public func buffer<T>(_ type: T.Type = T.self, count: Int, label: String = "buffer") throws -> DeviceBuffer<T> {
        try DeviceBuffer<T>(context: self, count: count, label: label)
    }

    /// A new device buffer holding a copy of `values`.
    public func buffer<T>(_ values: [T], label: String = "buffer") throws -> DeviceBuffer<T> {
        let buffer = try DeviceBuffer<T>(context: self, count: values.count, label: label)
        try buffer.write(values)
        return buffer
    }
}
