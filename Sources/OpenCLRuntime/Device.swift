import COpenCL
import Foundation

/// One OpenCL device and the properties Conveyor plans with.
public struct Device: @unchecked Sendable, Encodable {
    public enum Kind: String, Sendable, Encodable { case gpu, cpu, accelerator, other }

    public let id: cl_device_id
    public let platformName: String
    public let name: String
    public let vendor: String
    public let kind: Kind
    public let driverVersion: String
    public let globalMemory: UInt64
    public let maxAllocation: UInt64
    public let localMemory: UInt64
    /// Bytes of the global memory cache (on CPUs, PoCL reports the last-level cache).
    public let globalMemoryCache: UInt64
    public let computeUnits: UInt32
    public let maxWorkGroupSize: Int
    public let openCLCVersion: String
    public let extensions: [String]

    enum CodingKeys: String, CodingKey {
        case platformName = "platform", name, vendor, kind = "type", driverVersion, globalMemory
        case maxAllocation, localMemory, computeUnits, maxWorkGroupSize, openCLCVersion, extensions
    }

    init(id: cl_device_id, platform: Platform) throws {
        self.id = id
        platformName = platform.name
        name = try Device.string(id, CL_DEVICE_NAME)
        vendor = try Device.string(id, CL_DEVICE_VENDOR)
        driverVersion = try Device.string(id, CL_DRIVER_VERSION)
        openCLCVersion = try Device.string(id, CL_DEVICE_OPENCL_C_VERSION)
        extensions = try Device.string(id, CL_DEVICE_EXTENSIONS).split(separator: " ").map(String.init)
        let type: cl_device_type = try Device.value(id, CL_DEVICE_TYPE)
        if type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { kind = .gpu }
        else if type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { kind = .cpu }
        else if type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { kind = .accelerator }
        else { kind = .other }
        globalMemory = try Device.value(id, CL_DEVICE_GLOBAL_MEM_SIZE) as cl_ulong
        maxAllocation = try Device.value(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE) as cl_ulong
        localMemory = try Device.value(id, CL_DEVICE_LOCAL_MEM_SIZE) as cl_ulong
        globalMemoryCache = try Device.value(id, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE) as cl_ulong
        computeUnits = try Device.value(id, CL_DEVICE_MAX_COMPUTE_UNITS) as cl_uint
        maxWorkGroupSize = Int(try Device.value(id, CL_DEVICE_MAX_WORK_GROUP_SIZE) as Int)
    }

    public func hasExtension(_ name: String) -> Bool { extensions.contains(name) }

    /// Identifies the device and driver, for caches of tuned parameters.
    public var cacheKey: String { "\(platformName)|\(name)|\(driverVersion)" }

    private static func string(_ id: cl_device_id, _ info: Int32) throws -> String {
        var size = 0
        try CLError.check(clGetDeviceInfo(id, cl_device_info(info), 0, nil, &size), "clGetDeviceInfo")
        var bytes = [CChar](repeating: 0, count: size + 1)
        try CLError.check(clGetDeviceInfo(id, cl_device_info(info), size, &bytes, nil), "clGetDeviceInfo")
        return String(cString: bytes).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func value<T>(_ id: cl_device_id, _ info: Int32) throws -> T {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        defer { pointer.deallocate() }
        try CLError.check(clGetDeviceInfo(id, cl_device_info(info), MemoryLayout<T>.size, pointer, nil), "clGetDeviceInfo")
        return pointer.pointee
    }
}

extension Device: Equatable {
    public static func == (a: Device, b: Device) -> Bool { a.id == b.id }
}
