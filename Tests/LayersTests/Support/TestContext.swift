import Foundation
import Layers
import OpenCLRuntime

/// The compute context layer tests run on: `CONVEYOR_TEST_DEVICE` (a `--device` selector), else
/// the CPU device. scripts/run-oclgrind sets it to "oclgrind".
func makeTestContext() throws -> ComputeContext {
    let selector = ProcessInfo.processInfo.environment["CONVEYOR_TEST_DEVICE"] ?? "cpu"
    return try ComputeContext(selector: selector)
}

/// Small GEMM tiles for the layer parity tests: they test the layers' logic, and PoCL compiles
/// these in about a second where the CPU rule's 16x16 vector blocks take several (GemmTests
/// covers the device rule itself).
let layerTestTuning = GemmTuning(tileM: 16, tileN: 32, tileK: 8, workM: 2, workN: 4, vectorColumns: true)
