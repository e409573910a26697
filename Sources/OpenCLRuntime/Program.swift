import COpenCL
import Foundation

/// A program built for one device; `kernel(_:)` gives its kernels.
public final class Program: @unchecked Sendable {
    public let program: cl_program
    public let name: String
    public let options: String
    unowned let context: ComputeContext

    init(context: ComputeContext, source: String, name: String, options: String) throws {
        self.context = context
        self.name = name
        self.options = options
        var status: cl_int = 0
        let created: cl_program? = source.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            return clCreateProgramWithSource(context.context, 1, &pointer, nil, &status)
        }
        guard status == CL_SUCCESS, let created else {
            throw CLError(status: status, call: "clCreateProgramWithSource", detail: name)
        }
        program = created
        var deviceID: cl_device_id? = context.device.id
        let buildStatus = clBuildProgram(program, 1, &deviceID, options, nil, nil)
        if buildStatus != CL_SUCCESS {
            let log = Program.buildLog(program, device: context.device.id)
            // The program is released by deinit, which runs when a fully initialised class throws.
            throw CLError(status: buildStatus, call: "clBuildProgram",
                          detail: "\(name) with options '\(options)' on \(context.device.name); compiler log:\n\(log)")
        }
    }

    deinit { clReleaseProgram(program) }

    public func kernel(_ kernelName: String) throws -> Kernel {
        try Kernel(program: self, name: kernelName)
    }

    static func buildLog(_ program: cl_program, device: cl_device_id) -> String {
        var size = 0
        guard clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size) == CL_SUCCESS,
              size > 0 else { return "(no build log)" }
        var bytes = [CChar](repeating: 0, count: size + 1)
        clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, &bytes, nil)
        return String(cString: bytes).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Built programs by (name, source, options), so each variant compiles once per context.
final class ProgramCache: @unchecked Sendable {
    struct Key: Hashable {
        let name: String
        let source: String
        let options: String
    }

    private let lock = NSLock()
    private var programs: [Key: Program] = [:]
    private(set) var builds = 0

    func program(key: Key, build: () throws -> Program) throws -> Program {
        lock.lock()
        defer { lock.unlock() }
        if let cached = programs[key] { return cached }
        let program = try build()
        programs[key] = program
        builds += 1
        return program
    }
}
