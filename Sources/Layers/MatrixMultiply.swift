import ConveyorKernels
import OpenCLRuntime

/// C = alpha * op(A) * op(B) + beta * C on the device, row-major, through gemm.cl.
///
/// Offsets (in elements) let one buffer hold many matrices, so a batch can be processed per
/// image or per chunk of images without sub-buffers.
public final class MatrixMultiply {
    public let context: ComputeContext
    public let tuning: GemmTuning
    private var kernels: [KernelKey: Kernel] = [:]

    private struct KernelKey: Hashable {
        let tuning: GemmTuning
        let transposeA: Bool
        let transposeB: Bool
        let batched: Bool
    }

    /// `count` products of one shape in one launch: product i reads A, B and C `i` strides past
    /// their offsets (gemm.cl's BATCHED).
    public struct Batch {
        public var count: Int
        public var strideA: Int, strideB: Int, strideC: Int

        public init(count: Int, strideA: Int, strideB: Int, strideC: Int) {
            (self.count, self.strideA, self.strideB, self.strideC) = (count, strideA, strideB, strideC)
        }
    }

    public init(context: ComputeContext, tuning: GemmTuning? = nil) throws {
        self.context = context
        self.tuning = tuning ?? GemmTuning.rule(for: context.device)
    }

    private func kernel(tuning: GemmTuning, transposeA: Bool, transposeB: Bool, batched: Bool) throws -> Kernel {
        let key = KernelKey(tuning: tuning, transposeA: transposeA, transposeB: transposeB, batched: batched)
        if let kernel = kernels[key] { return kernel }
        var defines = tuning.defines
        defines["TRANS_A"] = transposeA ? "1" : "0"
        defines["TRANS_B"] = transposeB ? "1" : "0"
        if batched { defines["BATCHED"] = "1" }
        let program = try context.program(source: KernelSources.source(named: "gemm.cl"), name: "gemm.cl", defines: defines)
        let kernel = try program.kernel("gemm")
        kernels[key] = kernel
        return kernel
    }

    /// op(A) is m x k, op(B) is k x n, C is m x n. Leading dimensions default to the packed ones.
    /// With beta = 0, C is not read (it may hold anything). With `batch`, that many such products.
    public func multiply(a: DeviceBuffer<Float>, aOffset: Int = 0, lda: Int? = nil,
                         b: DeviceBuffer<Float>, bOffset: Int = 0, ldb: Int? = nil,
                         c: DeviceBuffer<Float>, cOffset: Int = 0, ldc: Int? = nil,
                         m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
                         alpha: Float = 1, beta: Float = 0,
                         bias: DeviceBuffer<Float>? = nil, biasOffset: Int = 0, biasAxis: BiasAxis = .none,
                         batch: Batch? = nil) throws {
        if m == 0 || n == 0 || batch?.count == 0 { return }
        let lda = lda ?? (transposeA ? m : k)
        let ldb = ldb ?? (transposeB ? k : n)
        let ldc = ldc ?? n
        let last = (batch?.count ?? 1) - 1
        let (aLast, bLast, cLast) = (last * (batch?.strideA ?? 0), last * (batch?.strideB ?? 0), last * (batch?.strideC ?? 0))
        precondition(aOffset + aLast + (transposeA ? (k - 1) * lda + m : (m - 1) * lda + k) <= a.count || k == 0,
                     "gemm: A '\(a.label)' too small")
        precondition(bOffset + bLast + (transposeB ? (n - 1) * ldb + k : (k - 1) * ldb + n) <= b.count || k == 0,
                     "gemm: B '\(b.label)' too small")
        precondition(cOffset + cLast + (m - 1) * ldc + n <= c.count, "gemm: C '\(c.label)' too small")
        precondition(biasAxis == .none || bias != nil, "gemm: a bias axis needs a bias buffer")
        let tuning = self.tuning.fitted(rows: m)
        let kernel = try kernel(tuning: tuning, transposeA: transposeA, transposeB: transposeB, batched: batch != nil)
        try kernel.setArgs(m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc,
                           bias ?? c, biasOffset, biasAxis.rawValue)
        let local = tuning.local
        let groupsN = (n + tuning.tileN - 1) / tuning.tileN
        let groupsM = (m + tuning.tileM - 1) / tuning.tileM
        if let batch {
            try kernel.setArg(17, batch.strideA)
            try kernel.setArg(18, batch.strideB)
            try kernel.setArg(19, batch.strideC)
            try context.launch(kernel, global: [groupsN * local[0], groupsM * local[1], batch.count], local: local + [1])
        } else {
            try context.launch(kernel, global: [groupsN * local[0], groupsM * local[1]], local: local)
        }
    }
}
