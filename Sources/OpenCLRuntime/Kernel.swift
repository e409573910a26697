import COpenCL
import Foundation

/// One kernel of a built program, with typed argument setting.
public final class Kernel: @unchecked Sendable {
    public let kernel: cl_kernel
    public let name: String
    let program: Program   // keeps the program alive as long as its kernel

    init(program: Program, name: String) throws {
        self.program = program
        self.name = name
        var status: cl_int = 0
        guard let kernel = clCreateKernel(program.program, name, &status), status == CL_SUCCESS else {
            throw CLError(status: status, call: "clCreateKernel", detail: "kernel '\(name)' in \(program.name)")
        }
        self.kernel = kernel
    }

    deinit { clReleaseKernel(kernel) }

    public func setArg<T>(_ index: Int, _ buffer: DeviceBuffer<T>) throws {
        var mem: cl_mem? = buffer.mem
        try CLError.check(clSetKernelArg(kernel, cl_uint(index), MemoryLayout<cl_mem>.size, &mem),
                          "clSetKernelArg", detail: "\(name) argument \(index) (buffer '\(buffer.label)')")
    }

    public func setArg(_ index: Int, _ value: Int32) throws { try setValue(index, value) }
    public func setArg(_ index: Int, _ value: Float) throws { try setValue(index, value) }
    public func setArg(_ index: Int, _ value: UInt32) throws { try setValue(index, value) }
    /// Host integers become 32-bit `int` arguments, the type every Conveyor kernel uses for sizes.
    public func setArg(_ index: Int, _ value: Int) throws {
        precondition(value >= Int(Int32.min) && value <= Int(Int32.max), "\(name) argument \(index) does not fit in an int")
        try setValue(index, Int32(value))
    }

    /// Reserves `bytes` of local memory for argument `index`.
    public func setLocal(_ index: Int, bytes: Int) throws {
        try CLError.check(clSetKernelArg(kernel, cl_uint(index), bytes, nil), "clSetKernelArg",
                          detail: "\(name) local argument \(index) of \(bytes) bytes")
    }

    /// Sets arguments 0, 1, 2, ... in order.
    public func setArgs(_ arguments: KernelArgument...) throws {
        for (index, argument) in arguments.enumerated() { try argument.set(on: self, at: index) }
    }

    private func setValue<T>(_ index: Int, _ value: T) throws {
        var copy = value
        try CLError.check(clSetKernelArg(kernel, cl_uint(index), MemoryLayout<T>.size, &copy),
                          "clSetKernelArg", detail: "\(name) argument \(index)")
    }
}

/// Something that can be passed to a kernel: a buffer, an integer, a float, local memory.
public protocol KernelArgument {
    func set(on kernel: Kernel, at index: Int) throws
}

extension DeviceBuffer: KernelArgument {
    public func set(on kernel: Kernel, at index: Int) throws { try kernel.setArg(index, self) }
}
extension Int: KernelArgument {
    public func set(on kernel: Kernel, at index: Int) throws { try kernel.setArg(index, self) }
}
extension Int32: KernelArgument {
    public func set(on kernel: Kernel, at index: Int) throws { try kernel.setArg(index, self) }
}
extension Float: KernelArgument {
    public func set(on kernel: Kernel, at index: Int) throws { try kernel.setArg(index, self) }
}
extension UInt32: KernelArgument {
    public func set(on kernel: Kernel, at index: Int) throws { try kernel.setArg(index, self) }
}

/// Local memory of a given size, as a kernel argument.
public struct LocalMemory: KernelArgument {
    public let bytes: Int
    public init(bytes: Int) { self.bytes = bytes }
    public func set(on kernel: Kernel, at index: Int) throws { try kernel.setLocal(index, bytes: bytes) }
}
