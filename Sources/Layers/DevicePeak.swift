import Foundation
import OpenCLRuntime

/// Measures a device's FP32 multiply-add peak with a built-in kernel, like clpeak, so the
/// benchmark can say what fraction of it each layer reaches.
public enum DevicePeak {
    /// GFLOP/s of the best of a few timed launches.
    public static func measureGFLOPS(context: ComputeContext) throws -> Double {
        let iterations = 256
        // CPUs: float16, a whole AVX-512 register per accumulator (PoCL: 181 GFLOP/s on 2 cores,
        // float4 68). GPUs: float4, many work-items.
        let width = context.device.kind == .gpu ? 4 : 16
        let program = try LayerPrograms.program("peak.cl", context: context,
                                                defines: ["PEAK_ITERATIONS": String(iterations), "PEAK_WIDTH": String(width)])
        let kernel = try program.kernel("peak_mad_f32")
        let workItems = context.device.kind == .gpu ? 1 << 22 : Int(context.device.computeUnits) * 4096
        let out = try context.buffer(Float.self, count: workItems, label: "peak output")
        try kernel.setArgs(out, Float(1e-4))
        // flops per work-item: iterations x 32 multiply-adds x width lanes x 2 flops
        let flops = Double(workItems) * Double(iterations) * 32 * Double(width) * 2
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
