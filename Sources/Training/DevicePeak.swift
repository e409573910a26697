import ConveyorKernels
import Foundation
import OpenCLRuntime

/// Measures a device's FP32 multiply-add peak with a built-in kernel, like clpeak, so the
/// benchmark can say what fraction of it each layer reaches.
public enum DevicePeak {
    /// GFLOP/s of the best of a few timed launches.
    public static func measureGFLOPS(context: ComputeContext) throws -> Double {
        let iterations = 256
        let program = try context.program(source: KernelSources.source(named: "peak.cl"), name: "peak.cl",
                                          defines: ["PEAK_ITERATIONS": String(iterations)])
        let kernel = try program.kernel("peak_mad_f32")
        // Work-groups of 64 let CPU compilers (PoCL) vectorise across work-items; many groups fill a GPU.
        let workItems = context.device.kind == .gpu ? 1 << 22 : Int(context.device.computeUnits) * 16384
        let out = try context.buffer(Float.self, count: workItems, label: "peak output")
        try kernel.setArgs(out, Float(1e-4))
        // flops per work-item: iterations x 32 multiply-adds x 4 lanes x 2 flops
        let flops = Double(workItems) * Double(iterations) * 32 * 4 * 2
        try context.launch(kernel, global: [workItems], local: [64])
        try context.finish()   // warm-up (compiles and caches)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            try context.launch(kernel, global: [workItems], local: [64])
            try context.finish()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return flops / best / 1e9
    }
}
