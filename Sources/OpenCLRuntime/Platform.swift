import COpenCL
import Foundation

/// An OpenCL platform (one installed driver) and the devices it offers.
public struct Platform: @unchecked Sendable {
    public let id: cl_platform_id
    public let name: String
    public let vendor: String
    public let version: String

    /// Every platform the ICD loader knows. An empty list (or the loader's "no platform"
    /// status) becomes an error that says what to install.
    public static func all() throws -> [Platform] {
        var count: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &count)
        if status == -1001 || count == 0 {
            throw CLError(status: status == CL_SUCCESS ? -1001 : status, call: "clGetPlatformIDs",
                          detail: "no OpenCL platform is installed. On Debian/Ubuntu install a driver, for a CPU device: "
                            + "sudo apt-get install pocl-opencl-icd ocl-icd-opencl-dev; for an NVIDIA GPU the NVIDIA driver "
                            + "registers /etc/OpenCL/vendors/nvidia.icd")
        }
        try CLError.check(status, "clGetPlatformIDs")
        var ids = [cl_platform_id?](repeating: nil, count: Int(count))
        try CLError.check(clGetPlatformIDs(count, &ids, nil), "clGetPlatformIDs")
        return try ids.compactMap { $0 }.map { id in
            Platform(id: id,
                     name: try platformString(id, cl_platform_info(CL_PLATFORM_NAME)),
                     vendor: try platformString(id, cl_platform_info(CL_PLATFORM_VENDOR)),
                     version: try platformString(id, cl_platform_info(CL_PLATFORM_VERSION)))
        }
    }

    /// The platform's devices of every type; a platform with none gives an empty list.
    public func devices() throws -> [Device] {
        var count: cl_uint = 0
        let status = clGetDeviceIDs(id, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &count)
        if status == CL_DEVICE_NOT_FOUND { return [] }
        try CLError.check(status, "clGetDeviceIDs")
        var ids = [cl_device_id?](repeating: nil, count: Int(count))
        try CLError.check(clGetDeviceIDs(id, cl_device_type(CL_DEVICE_TYPE_ALL), count, &ids, nil), "clGetDeviceIDs")
        return try ids.compactMap { $0 }.map { try Device(id: $0, platform: self) }
    }

    private static func platformString(_ id: cl_platform_id, _ info: cl_platform_info) throws -> String {
        var size = 0
        try CLError.check(clGetPlatformInfo(id, info, 0, nil, &size), "clGetPlatformInfo")
        var bytes = [CChar](repeating: 0, count: size + 1)
        try CLError.check(clGetPlatformInfo(id, info, size, &bytes, nil), "clGetPlatformInfo")
        return String(cString: bytes).trimmingCharacters(in: .whitespaces)
    }
}

