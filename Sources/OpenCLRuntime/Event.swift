import COpenCL

/// A command's completion event; with a profiling queue it knows when the command ran.
public final class Event: @unchecked Sendable {
    public let event: cl_event

    init(_ event: cl_event) { self.event = event }

    deinit { clReleaseEvent(event) }

    public func wait() throws {
        var e: cl_event? = event
        try CLError.check(clWaitForEvents(1, &e), "clWaitForEvents")
    }

    /// Device time stamps in nanoseconds (needs a context made with `profiling: true`).
    public func profiledTimes() throws -> (start: UInt64, end: UInt64) {
        try wait()
        var start: cl_ulong = 0
        var end: cl_ulong = 0
        try CLError.check(clGetEventProfilingInfo(event, cl_profiling_info(CL_PROFILING_COMMAND_START), MemoryLayout<cl_ulong>.size, &start, nil),
                          "clGetEventProfilingInfo", detail: "was the context made with profiling: true?")
        try CLError.check(clGetEventProfilingInfo(event, cl_profiling_info(CL_PROFILING_COMMAND_END), MemoryLayout<cl_ulong>.size, &end, nil),
                          "clGetEventProfilingInfo")
        return (start, end)
    }

    /// The command's run time in seconds, from the profiled time stamps.
    public func duration() throws -> Double {
        let t = try profiledTimes()
        return Double(t.end &- t.start) * 1e-9
    }
}
