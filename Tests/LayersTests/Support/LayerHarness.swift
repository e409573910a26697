import Foundation
import Layers
import OpenCLRuntime
import XCTest

/// The device the layer tests run on: `CONVEYOR_TEST_DEVICE` (a `--device` selector), else the CPU.
/// One context for the whole test run, so each kernel file compiles once.
enum LayerTestDevice {
    static let context: ComputeContext = {
        let selector = ProcessInfo.processInfo.environment["CONVEYOR_TEST_DEVICE"] ?? "cpu"
        do { return try ComputeContext(selector: selector) } catch { fatalError("no OpenCL device for the layer tests: \(error)") }
    }()
}

/// Runs a layer's forward and backward on the device for host arrays.
struct LayerHarness {
    let context: ComputeContext
    let layer: Layer

    func forward(_ input: [Float], batch: Int, mode: Mode) throws -> [Float] {
        let x = try context.buffer(input, label: "test input")
        let y = try context.buffer(Float.self, count: batch * layer.outputShape.count, label: "test output")
        try layer.forward(x, into: y, batch: batch, mode: mode)
        return try y.read()
    }

    /// Forward then backward; the input gradient starts as NaN so that every element must be written.
    func forwardBackward(_ input: [Float], outputGradient: [Float], batch: Int, mode: Mode, backwardPasses: Int = 1)
        throws -> (output: [Float], inputGradient: [Float]) {
        let x = try context.buffer(input, label: "test input")
        let y = try context.buffer(Float.self, count: batch * layer.outputShape.count, label: "test output")
        let dy = try context.buffer(outputGradient, label: "test output gradient")
        let dx = try context.buffer(Float.self, count: batch * layer.inputShape.count, label: "test input gradient")
        try dx.fill(.nan)
        try layer.forward(x, into: y, batch: batch, mode: mode)
        for _ in 0..<backwardPasses {
            try layer.backward(input: x, output: y, outputGradient: dy, inputGradient: dx, batch: batch)
        }
        return (try y.read(), try dx.read())
    }
}

/// scratchBytes(batch:), the total of scratchRequests(batch:), must equal what reserve(batch:) allocates.
func assertScratchMatchesAllocation(_ make: () throws -> Layer, batch: Int, context: ComputeContext,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
    let layer = try make()
    let before = context.memory.bytesInUse
    try layer.reserve(batch: batch)
    XCTAssertEqual(context.memory.bytesInUse - before, layer.scratchBytes(batch: batch),
                   "\(layer.name): scratchBytes(batch: \(batch))", file: file, line: line)
    XCTAssertEqual(layer.scratchBytes(batch: batch), layer.scratchRequests(batch: batch).totalBytes,
                   "\(layer.name): scratchRequests(batch: \(batch))", file: file, line: line)
}
