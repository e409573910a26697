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

/// The FP32 peak a CPU device should reach on paper: cores x FMA units x vector lanes x 2 flops
/// x clock, from /proc/cpuinfo, with the assumptions said in `basis`.
public struct TheoreticalPeak: Sendable, Equatable {
    public let cores: Int
    public let fmaUnits: Int
    public let lanes: Int
    public let gigahertz: Double
    /// How the figures were found and what was assumed.
    public let basis: String

    public var gflops: Double { Double(cores * fmaUnits * lanes * 2) * gigahertz }

    public var formula: String {
        String(format: "%d cores x %d FMA units x %d lanes x 2 flops x %.2f GHz = %.1f GFLOP/s", cores, fmaUnits, lanes, gigahertz, gflops)
    }

    /// The peak of a CPU device with `cores` compute units (PoCL: one per logical CPU), from
    /// the text of /proc/cpuinfo; nil when it names no clock or no vector unit.
    ///
    /// Lanes: 16 with avx512f, 8 with avx2 or fma, else 4 (SSE). FMA units per core: 2 on
    /// Intel with AVX-512 or AVX2 (server Xeons since Skylake-SP and client cores since Haswell
    /// issue two vector FMAs a cycle; a few Xeon Silver and Bronze parts have one 512-bit unit,
    /// which halves the figure), on AMD 2 at 8 lanes (Zen 4 and 5 run 512-bit
    /// instructions on their two 256-bit pipes, counted as 1 unit of 16 lanes). Clock: "cpu
    /// MHz" of /proc/cpuinfo, the nominal clock under a hypervisor and the current one on bare
    /// metal; AVX-512 turbo and licence clocks differ from it either way.
    public static func fromCPUInfo(_ text: String, cores: Int) -> TheoreticalPeak? {
        let info = CPUInfo(text)
        guard let mhzText = info["cpu MHz"], let mhz = Double(mhzText), mhz > 0 else { return nil }
        let flags = Set((info["flags"] ?? "").split(separator: " ").map(String.init))
        let vendor = info["vendor_id"] ?? ""
        let model = info["model name"] ?? "unknown CPU"
        let amd = vendor.contains("AMD")
        let (lanes, units): (Int, Int)
        if flags.contains("avx512f") {
            (lanes, units) = amd ? (16, 1) : (16, 2)
        } else if flags.contains("avx2") || flags.contains("fma") {
            (lanes, units) = (8, 2)
        } else {
            (lanes, units) = (4, 1)
        }
        let unitText = amd && lanes == 16 ? "AMD: two 256-bit FMA pipes, one 512-bit FMA a cycle"
            : units == 2 ? "2 FMA units a core (assumed: 1 on some Xeon Silver/Bronze)" : "1 vector unit a core"
        let basis = "\(model), \(vendor); \(lanes) lanes (\(lanes == 16 ? "avx512f" : lanes == 8 ? "avx2/fma" : "sse")), \(unitText); "
            + String(format: "clock %.0f MHz from /proc/cpuinfo (nominal; AVX-512 turbo and licence clocks differ)", mhz)
        return TheoreticalPeak(cores: cores, fmaUnits: units, lanes: lanes, gigahertz: mhz / 1000, basis: basis)
    }

    /// The peak of `device` when it is a CPU (PoCL runs on the host) and /proc/cpuinfo is readable.
    public static func of(_ device: Device) -> TheoreticalPeak? {
        guard device.kind == .cpu, let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        return fromCPUInfo(text, cores: Int(device.computeUnits))
    }
}
