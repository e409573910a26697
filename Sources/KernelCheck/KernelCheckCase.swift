import Layers
import OpenCLRuntime

/// One line of `conveyor check`: a kernel variant on one shape, and how to run it.
struct KernelCheckCase {
    let variant: KernelVariant
    /// The shape and settings (`KernelCheckResult.shape`).
    let shape: String
    let origin: String?
    /// Why the variant cannot run this shape on this device (not run), or nil.
    let refusal: String?
    /// Runs the device kernels and their references on a context; `perturb` is the test hook of
    /// `KernelCheckFault`.
    let run: (_ context: ComputeContext, _ perturb: Bool) throws -> KernelCheckLayerRun.Outcome

    /// What `--only` and `CONVEYOR_CHECK_FAULT` match against: "conv2d cpu-panels 3x13x13 -> ...".
    var key: String { "\(variant) \(shape)" + (origin.map { " (\($0))" } ?? "") }
}
