import ConveyorKernels
import OpenCLRuntime

/// Tile sizes of the gemm.cl kernel for one device (see the `#ifndef` defaults in the kernel).
public struct GemmTuning: Hashable, Sendable {
    public var tileM: Int
    public var tileN: Int
    public var tileK: Int
    public var workM: Int
    public var workN: Int

    public init(tileM: Int, tileN: Int, tileK: Int, workM: Int, workN: Int) {
        self.tileM = tileM
        self.tileN = tileN
        self.tileK = tileK
        self.workM = workM
        self.workN = workN
    }

    /// Work-group size (columns, rows).
    public var local: [Int] { [tileN / workN, tileM / workM] }

    /// GPUs: 16x16 work-groups over 64x64 tiles, enough work-groups to fill many compute units.
    /// CPUs (PoCL): few work-items with a wide register block, since PoCL runs a work-group as
    /// loops on one core and vectorises across work-item x; measured on PoCL (AVX-512, 2 cores)
    /// with M=64, N=25600, K=800, see the commit log.
    public static func rule(for device: Device) -> GemmTuning {
        switch device.kind {
        case .cpu: return GemmTuning(tileM: 32, tileN: 64, tileK: 16, workM: 4, workN: 4)
        default: return GemmTuning(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4)
        }
    }

    var defines: [String: String] {
        ["TILE_M": "\(tileM)", "TILE_N": "\(tileN)", "TILE_K": "\(tileK)", "WPT_M": "\(workM)", "WPT_N": "\(workN)"]
    }
}

/// Where a bias is added in the product's epilogue.
public enum BiasAxis: Int32, Sendable {
    case none = 0
    /// bias[row]: one value per row of C (a conv filter).
    case row = 1
    /// bias[column]: one value per column of C (a fully connected output).
    case column = 2
}

/// C = alpha * op(A) * op(B) + beta * C on the device, row-major, through gemm.cl.
///
/// Offsets (in elements) let one buffer hold many matrices, so a batch can be processed per
/// image or per chunk of images without sub-buffers.
public final class MatrixMultiply {
    public let context: ComputeContext
    public let tuning: GemmTuning
    private var kernels: [Int: Kernel] = [:]

    public init(context: ComputeContext, tuning: GemmTuning? = nil) throws {
        self.context = context
        self.tuning = tuning ?? GemmTuning.rule(for: context.device)
    }

    private func kernel(transposeA: Bool, transposeB: Bool) throws -> Kernel {
        let key = (transposeA ? 1 : 0) + (transposeB ? 2 : 0)
        if let kernel = kernels[key] { return kernel }
        var defines = tuning.defines
        defines["TRANS_A"] = transposeA ? "1" : "0"
        defines["TRANS_B"] = transposeB ? "1" : "0"
        let program = try context.program(source: KernelSources.source(named: "gemm.cl"), name: "gemm.cl", defines: defines)
        let kernel = try program.kernel("gemm")
        kernels[key] = kernel
        return kernel
    }

    /// op(A) is m x k, op(B) is k x n, C is m x n. Leading dimensions default to the packed ones.
    /// With beta = 0, C is not read (it may hold anything).
    public func multiply(a: DeviceBuffer<Float>, aOffset: Int = 0, lda: Int? = nil,
                         b: DeviceBuffer<Float>, bOffset: Int = 0, ldb: Int? = nil,
                         c: DeviceBuffer<Float>, cOffset: Int = 0, ldc: Int? = nil,
                         m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
                         alpha: Float = 1, beta: Float = 0,
                         bias: DeviceBuffer<Float>? = nil, biasOffset: Int = 0, biasAxis: BiasAxis = .none) throws {
        if m == 0 || n == 0 { return }
        let lda = lda ?? (transposeA ? m : k)
        let ldb = ldb ?? (transposeB ? k : n)
        let ldc = ldc ?? n
        precondition(aOffset + (transposeA ? (k - 1) * lda + m : (m - 1) * lda + k) <= a.count || k == 0, "gemm: A '\(a.label)' too small")
        precondition(bOffset + (transposeB ? (n - 1) * ldb + k : (k - 1) * ldb + n) <= b.count || k == 0, "gemm: B '\(b.label)' too small")
        precondition(cOffset + (m - 1) * ldc + n <= c.count, "gemm: C '\(c.label)' too small")
        precondition(biasAxis == .none || bias != nil, "gemm: a bias axis needs a bias buffer")
        let kernel = try kernel(transposeA: transposeA, transposeB: transposeB)
        try kernel.setArgs(m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc,
                           bias ?? c, biasOffset, biasAxis.rawValue)
        let local = tuning.local
        let groupsN = (n + tuning.tileN - 1) / tuning.tileN
        let groupsM = (m + tuning.tileM - 1) / tuning.tileM
        try context.launch(kernel, global: [groupsN * local[0], groupsM * local[1]], local: local)
    }
}
