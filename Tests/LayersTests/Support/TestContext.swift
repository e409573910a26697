import Foundation
import OpenCLRuntime

/// The compute context layer tests run on: `CONVEYOR_TEST_DEVICE` (a `--device` selector), else
/// the CPU device. scripts/run-oclgrind sets it to "oclgrind".
func makeTestContext() throws -> ComputeContext {
    let selector = ProcessInfo.processInfo.environment["CONVEYOR_TEST_DEVICE"] ?? "cpu"
    return try ComputeContext(selector: selector)
}
