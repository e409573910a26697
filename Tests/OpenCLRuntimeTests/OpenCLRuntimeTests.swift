import ConveyorKernels
import OpenCLRuntime
import XCTest

final class OpenCLRuntimeTests: XCTestCase {
    var context: ComputeContext!

    override func setUpWithError() throws {
        context = try ComputeContext(selector: "cpu")
    }

    func testBufferRoundTripOfAwkwardSizes() throws {
        for count in [1, 3, 17, 1000, 4099, 65_537] {
            let values = (0..<count).map { Float($0) * 0.5 - 7 }
            let buffer = try context.buffer(values, label: "round trip \(count)")
            XCTAssertEqual(try buffer.read(), values, "size \(count)")
            try buffer.fill(2.5)
            XCTAssertEqual(try buffer.read(), [Float](repeating: 2.5, count: count))
            XCTAssertEqual(try buffer.read(offset: count / 2, count: count - count / 2).count, count - count / 2)
        }
    }

    func testCopyBetweenBuffers() throws {
        let a = try context.buffer([Int32](1...10))
        let b = try context.buffer(Int32.self, count: 12)
        try b.fill(0)
        try b.copy(from: a, count: 5, sourceOffset: 3, offset: 2)
        XCTAssertEqual(try b.read(), [0, 0, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0])
    }

    func testBuffersAreCountedAndReleased() throws {
        let before = context.memory.bytesInUse
        do {
            let buffer = try context.buffer(Float.self, count: 1000)
            XCTAssertEqual(context.memory.bytesInUse - before, 4000)
            _ = buffer
        }
        XCTAssertEqual(context.memory.bytesInUse, before)
        XCTAssertGreaterThanOrEqual(context.memory.peak, before + 4000)
    }

    func testEmbeddedKernelLaunchIsCheckedElementByElement() throws {
        let program = try context.program(source: KernelSources.source(named: "basic.cl"), name: "basic.cl")
        let axpy = try program.kernel("axpy_f32")
        let n = 1001
        let x = (0..<n).map { Float($0) }
        let y = (0..<n).map { Float(2 * $0 + 1) }
        let xBuffer = try context.buffer(x)
        let yBuffer = try context.buffer(y)
        try axpy.setArgs(n, Float(3), xBuffer, yBuffer)
        try context.launch(axpy, global: [n], local: [64])
        let result = try yBuffer.read()
        for i in 0..<n { XCTAssertEqual(result[i], y[i] + 3 * x[i], "element \(i)") }
    }

    func testCommandsAndHostWaitsAreCounted() throws {
        let program = try context.program(source: KernelSources.source(named: "basic.cl"), name: "basic.cl")
        let axpy = try program.kernel("axpy_f32")
        let x = try context.buffer([Float](repeating: 1, count: 64))   // a blocking write: one wait
        let y = try context.buffer(Float.self, count: 64)
        let before = context.commands.snapshot
        try y.fill(0)
        try axpy.setArgs(64, Float(2), x, y)
        try context.launch(axpy, global: [64])
        try context.launch(axpy, global: [64])
        try y.copy(from: x)
        try context.finish()
        _ = try y.read()
        XCTAssertEqual(context.commands.snapshot - before, CommandCounts.Snapshot(kernels: 2, transfers: 2, hostWaits: 2))
    }

    func testProgramCacheBuildsEachVariantOnce() throws {
        let source = "__kernel void k(__global float* x) { x[get_global_id(0)] = VALUE; }"
        let before = context.programsBuilt
        _ = try context.program(source: source, name: "k", defines: ["VALUE": "1.0f"])
        _ = try context.program(source: source, name: "k", defines: ["VALUE": "1.0f"])
        _ = try context.program(source: source, name: "k", defines: ["VALUE": "2.0f"])
        XCTAssertEqual(context.programsBuilt - before, 2)
    }

    func testDefinesReachTheKernel() throws {
        let source = "__kernel void k(__global float* x) { x[get_global_id(0)] = VALUE; }"
        let program = try context.program(source: source, name: "k", defines: ["VALUE": "4.5f"])
        let kernel = try program.kernel("k")
        let out = try context.buffer(Float.self, count: 8)
        try kernel.setArgs(out)
        try context.launch(kernel, global: [8])
        XCTAssertEqual(try out.read(), [Float](repeating: 4.5, count: 8))
    }

    func testSyntaxErrorCarriesTheCompilerDiagnostic() throws {
        let source = "__kernel void broken(__global float* x) { x[0] = undeclared_name + ; }"
        XCTAssertThrowsError(try context.program(source: source, name: "broken.cl")) { error in
            let clError = error as? CLError
            XCTAssertEqual(clError?.name, "CL_BUILD_PROGRAM_FAILURE")
            let text = String(describing: error)
            XCTAssertTrue(text.contains("undeclared_name") || text.contains("expected expression"), text)
            XCTAssertTrue(text.contains("clBuildProgram"), text)
        }
    }

    func testSelectorThatMatchesNothingListsTheDevices() throws {
        XCTAssertThrowsError(try DeviceSelector.select("no-such-device-xyz")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("no-such-device-xyz"), text)
            XCTAssertTrue(text.contains(self.context.device.name), text)
        }
        XCTAssertThrowsError(try DeviceSelector.select("42"))
        XCTAssertEqual(try DeviceSelector.select("0").name, try DeviceSelector.allDevices()[0].name)
        XCTAssertEqual(try DeviceSelector.select("PTHREAD").kind, .cpu)
    }

    func testStatusCodesHaveNames() {
        XCTAssertEqual(CLError.statusName(-5), "CL_OUT_OF_RESOURCES")
        XCTAssertEqual(CLError.statusName(-11), "CL_BUILD_PROGRAM_FAILURE")
        XCTAssertEqual(CLError.statusName(-4), "CL_MEM_OBJECT_ALLOCATION_FAILURE")
        let error = CLError(status: -4, call: "clCreateBuffer", detail: "buffer 'x'")
        XCTAssertTrue(error.description.contains("clCreateBuffer failed with CL_MEM_OBJECT_ALLOCATION_FAILURE"))
        XCTAssertTrue(error.isOutOfMemory)
    }

    func testOversizedBufferIsRefusedWithItsName() throws {
        let tooMany = Int(context.device.maxAllocation / 4) + 1
        XCTAssertThrowsError(try context.buffer(Float.self, count: tooMany, label: "giant")) { error in
            XCTAssertTrue(String(describing: error).contains("giant"))
        }
    }

    func testProfiledEventsHaveTimes() throws {
        let profiled = try ComputeContext(device: context.device, profiling: true)
        let program = try profiled.program(source: KernelSources.source(named: "basic.cl"), name: "basic.cl")
        let fill = try program.kernel("fill_f32")
        let out = try profiled.buffer(Float.self, count: 4096)
        try fill.setArgs(out, Float(1), 4096)
        let event = try profiled.launch(fill, global: [4096])
        let times = try XCTUnwrap(event).profiledTimes()
        XCTAssertGreaterThanOrEqual(times.end, times.start)
    }

    func testKernelSourcesOverrideFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-kernels-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "// from the override folder\n".write(to: folder.appendingPathComponent("basic.cl"), atomically: true, encoding: .utf8)
        setenv(KernelSources.overrideVariable, folder.path, 1)
        defer { unsetenv(KernelSources.overrideVariable) }
        XCTAssertTrue(try KernelSources.source(named: "basic.cl").contains("from the override folder"))
        XCTAssertThrowsError(try KernelSources.source(named: "missing.cl"))
    }

    /// `#include "x.h"` lines are replaced by the header (nested ones too); a missing header is an error.
    func testKernelSourcesPasteIncludedHeaders() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-kernels-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ text: String) throws {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("outer.h", "#include \"inner.h\"\n#define OUTER 1\n")
        try write("inner.h", "#define INNER 2\n")
        try write("uses.cl", "before\n  #include \"outer.h\"\nafter\n")
        try write("broken.cl", "#include \"absent.h\"\n")
        setenv(KernelSources.overrideVariable, folder.path, 1)
        defer { unsetenv(KernelSources.overrideVariable) }
        let text = try KernelSources.source(named: "uses.cl")
        XCTAssertTrue(text.hasSuffix("before\n#define INNER 2\n\n#define OUTER 1\n\nafter\n"), text)
        XCTAssertFalse(text.contains("#include"))
        XCTAssertThrowsError(try KernelSources.source(named: "broken.cl"))
    }

    /// The embedded convolution files hold their shared header, and each its helper kernels.
    func testEmbeddedConvolutionFilesIncludeTheirSharedHeader() throws {
        for name in ["conv_cpu.cl", "conv_implicit.cl", "conv_channels.cl"] {
            let text = try KernelSources.source(named: name)
            XCTAssertFalse(text.contains("#include"), name)
            XCTAssertTrue(text.contains("__kernel void pad_planes") && text.contains("__kernel void bias_gradient_rows"), name)
        }
    }
}
