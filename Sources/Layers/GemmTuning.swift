import OpenCLRuntime

/// Tile sizes of the gemm.cl kernel for one device (see the `#ifndef` defaults in the kernel).
public struct GemmTuning: Hashable, Sendable {
    public var tileM: Int
    public var tileN: Int
    public var tileK: Int
    public var workM: Int
    public var workN: Int
    /// Each work-item's columns contiguous and computed as one float vector of `workN` lanes
    /// (2, 4, 8 or 16), for CPUs; otherwise strided, for GPUs' coalescing.
    public var vectorColumns: Bool

    public init(tileM: Int, tileN: Int, tileK: Int, workM: Int, workN: Int, vectorColumns: Bool = false) {
        precondition(tileM % workM == 0 && tileN % workN == 0, "tiles must be multiples of the work per item")
        precondition(!vectorColumns || [2, 4, 8, 16].contains(workN), "vector columns need workN of 2, 4, 8 or 16")
        self.tileM = tileM
        self.tileN = tileN
        self.tileK = tileK
        self.workM = workM
        self.workN = workN
        self.vectorColumns = vectorColumns
    }

    /// Work-group size (columns, rows).
    public var local: [Int] { [tileN / workN, tileM / workM] }

    /// GPUs: 16x16 work-groups over 64x64 tiles, strided columns (coalesced, conflict-free).
    /// CPUs (PoCL): 4x4 work-items of 16x16 outputs, each row one float16 vector, since PoCL
    /// runs a work-group as loops on one core and does not vectorise our strided loop well.
    /// PoCL on 2 AVX-512 cores, M=64 N=25600 K=800 (GFLOP/s): this 35-38 (TILE_K 16: 31-34,
    /// 64x32 tiles 36-37, 32x32 29); 8x16 blocks 26-29;
    /// scalar 8x8 blocks 14.6-17; scalar 4x4 3-8; OpenBLAS 72-137 on the same (shared) machine.
    public static func rule(for device: Device) -> GemmTuning {
        switch device.kind {
        case .cpu: return cpuRule
        default: return gpuRule
        }
    }

    /// The two rules: work-groups of 16x16 with local-memory tiles (GPUs); one work-item per
    /// 16x16 register block of float vectors (CPUs).
    public static let gpuRule = GemmTuning(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4)
    public static let cpuRule = GemmTuning(tileM: 64, tileN: 64, tileK: 8, workM: 16, workN: 16, vectorColumns: true)

    /// The tilings `conveyor check` runs on `device`: its own rule first, then the other rule,
    /// so that one device also checks the other kind's tiling.
    public static func checkTilings(for device: Device) -> [GemmTuning] {
        [rule(for: device), gpuRule, cpuRule].reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// Why this tiling cannot launch on `device` (work-group or local memory too large), or nil.
    public func refusal(on device: Device) -> String? {
        let items = local.reduce(1, *)
        if items > device.maxWorkGroupSize {
            return "work-groups of \(items) work-items; the device allows \(device.maxWorkGroupSize)"
        }
        let localBytes = tileK * (tileM + tileN + 2) * MemoryLayout<Float>.size
        if UInt64(localBytes) > device.localMemory {
            return "\(localBytes) bytes of local memory; the device has \(device.localMemory)"
        }
        return nil
    }

    /// This tuning with the tile height halved while a product of `m` rows fits in half of it
    /// (down to one register block), so short products (32 conv filters, a batch of 1) do not
    /// compute rows of zeros: on PoCL, M=32 N=25600 K=800 goes from 19 to 31 GFLOP/s.
    public func fitted(rows m: Int) -> GemmTuning {
        var fitted = self
        while m <= fitted.tileM / 2 && fitted.tileM / 2 >= fitted.workM && (fitted.tileM / 2) % fitted.workM == 0 {
            fitted.tileM /= 2
        }
        return fitted
    }

    var defines: [String: String] {
        ["TILE_M": "\(tileM)", "TILE_N": "\(tileN)", "TILE_K": "\(tileK)", "WPT_M": "\(workM)", "WPT_N": "\(workN)", "VECTOR_N": vectorColumns ? "1" : "0"]
    }
}
