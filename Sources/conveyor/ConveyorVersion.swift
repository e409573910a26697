import CHDF5
import COpenBLAS
import COpenCL
import ConveyorKernels

/// What `conveyor --version` prints: the release, the git commit it was built from, and the
/// versions of the C libraries it was built against or runs with.
enum ConveyorVersion {
    /// The release; `make dist` names the tarball after it.
    static let number = "0.3.0"

    static var text: String {
        let opencl = Int(CL_TARGET_OPENCL_VERSION)
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        let hdf5 = H5get_libversion(&major, &minor, &release) >= 0 ? "\(major).\(minor).\(release)" : "unknown"
        let openblas = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        return """
            conveyor \(number)
            git commit: \(BuildCommit.value)
            OpenCL headers: \(opencl / 100).\(opencl / 10 % 10) API (CL_TARGET_OPENCL_VERSION \(opencl))
            HDF5: \(hdf5) (library loaded at run time)
            OpenBLAS: \(openblas)
            """
    }
}
