import COpenBLAS
import Layers
import OpenCLRuntime
import XCTest

/// gemm.cl against OpenBLAS's cblas_sgemm on awkward shapes, every transpose, offsets and beta.
final class GemmTests: XCTestCase {
    var context: ComputeContext!

    override func setUpWithError() throws {
        context = try makeTestContext()
    }

    func reference(_ a: [Float], _ b: [Float], _ c: [Float], m: Int, n: Int, k: Int, ta: Bool, tb: Bool,
                   alpha: Float, beta: Float) -> [Float] {
        var c = c
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(ta ? m : k), b, Int32(tb ? k : n), beta, &c, Int32(n))
        return c
    }

    func check(m: Int, n: Int, k: Int, ta: Bool, tb: Bool, alpha: Float, beta: Float, gemm: MatrixMultiply,
               random: inout SeededGenerator) throws {
        let a = random.floats(m * k), b = random.floats(k * n), c = random.floats(m * n)
        let pad = 3  // data placed at an offset inside larger buffers
        let aBuffer = try context.buffer([Float](repeating: 9, count: pad) + a)
        let bBuffer = try context.buffer([Float](repeating: 9, count: pad) + b)
        let cBuffer = try context.buffer([Float](repeating: 9, count: pad) + c)
        try gemm.multiply(a: aBuffer, aOffset: pad, b: bBuffer, bOffset: pad, c: cBuffer, cOffset: pad,
                          m: m, n: n, k: k, transposeA: ta, transposeB: tb, alpha: alpha, beta: beta)
        let result = try cBuffer.read()
        XCTAssertEqual(Array(result[0..<pad]), [9, 9, 9], "gemm wrote before its offset")
        assertClose(Array(result[pad...]), reference(a, b, c, m: m, n: n, k: k, ta: ta, tb: tb, alpha: alpha, beta: beta),
                    "gemm m \(m) n \(n) k \(k) transA \(ta) transB \(tb) alpha \(alpha) beta \(beta)")
    }

    /// The tiling the device gets in training, with the three transpose pairs the layers use
    /// (A*B, A*B^T, A^T*B; A^T*B^T is covered with other tilings: each variant costs PoCL ~7 s
    /// to compile cold), edges in M, N and K.
    func testDeviceRuleLayerTransposes() throws {
        let gemm = try MatrixMultiply(context: context)
        var random = SeededGenerator(seed: 10)
        for (ta, tb) in [(false, false), (false, true), (true, false)] {
            try check(m: 65, n: 129, k: 13, ta: ta, tb: tb, alpha: 1, beta: tb ? 1 : 0, gemm: gemm, random: &random)
        }
    }

    func testMatchesOpenBLASOnAwkwardShapes() throws {
        let gemm = try MatrixMultiply(context: context, tuning: layerTestTuning)
        var random = SeededGenerator(seed: 11)
        let sizes = [1, 7, 13, 65, 129]
        for (i, m) in sizes.enumerated() {
            for (j, n) in sizes.enumerated() {
                let k = sizes[(i + 2 * j) % sizes.count]
                for ta in [false, true] {
                    for tb in [false, true] {
                        try check(m: m, n: n, k: k, ta: ta, tb: tb, alpha: 1, beta: (i + j) % 2 == 0 ? 0 : 1, gemm: gemm, random: &random)
                    }
                }
            }
        }
    }

    func testAlphaBetaAndOtherTunings() throws {
        var random = SeededGenerator(seed: 12)
        for tuning in [GemmTuning(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4),
                       GemmTuning(tileM: 16, tileN: 32, tileK: 8, workM: 2, workN: 4),
                       GemmTuning(tileM: 16, tileN: 32, tileK: 8, workM: 2, workN: 4, vectorColumns: true)] {
            let gemm = try MatrixMultiply(context: context, tuning: tuning)
            try check(m: 70, n: 33, k: 129, ta: true, tb: false, alpha: 0.5, beta: -2, gemm: gemm, random: &random)
            try check(m: 5, n: 200, k: 17, ta: false, tb: true, alpha: 2, beta: 0, gemm: gemm, random: &random)
        }
    }

    /// Several products of one shape in one launch (gpu-winograd's tile positions): each product
    /// at its own stride, with gaps between them that must stay untouched, A plain or transposed,
    /// beta 0 and 1, with both rules' tilings.
    func testBatchedProductsMatchOpenBLASEach() throws {
        var random = SeededGenerator(seed: 14)
        let count = 3, m = 19, n = 37, k = 11, gap = 5
        for tuning in [GemmTuning.gpuRule, GemmTuning.cpuRule] {
            let gemm = try MatrixMultiply(context: context, tuning: tuning)
            for (ta, beta) in [(false, Float(0)), (true, Float(1))] {
                let (strideA, strideB, strideC) = (m * k + gap, k * n + gap, m * n + gap)
                let a = random.floats(count * strideA), b = random.floats(count * strideB), c = random.floats(count * strideC)
                let cBuffer = try context.buffer(c)
                try gemm.multiply(a: try context.buffer(a), b: try context.buffer(b), c: cBuffer, m: m, n: n, k: k, transposeA: ta,
                                  beta: beta, batch: MatrixMultiply.Batch(count: count, strideA: strideA, strideB: strideB, strideC: strideC))
                let result = try cBuffer.read()
                for i in 0..<count {
                    let expected = reference(Array(a[(i * strideA)..<(i * strideA + m * k)]), Array(b[(i * strideB)..<(i * strideB + k * n)]),
                                             Array(c[(i * strideC)..<(i * strideC + m * n)]), m: m, n: n, k: k, ta: ta, tb: false,
                                             alpha: 1, beta: beta)
                    assertClose(Array(result[(i * strideC)..<(i * strideC + m * n)]), expected,
                                "batched product \(i) transA \(ta) beta \(beta) \(KernelVariant.describe(tuning))")
                    XCTAssertEqual(Array(result[(i * strideC + m * n)..<((i + 1) * strideC)]), Array(c[(i * strideC + m * n)..<((i + 1) * strideC)]),
                                   "the gap after product \(i) was written")
                }
            }
        }
    }

    func testBiasEpilogue() throws {
        let gemm = try MatrixMultiply(context: context, tuning: layerTestTuning)
        var random = SeededGenerator(seed: 13)
        let m = 9, n = 70, k = 5
        let a = random.floats(m * k), b = random.floats(k * n), rowBias = random.floats(m), columnBias = random.floats(n)
        let expected = reference(a, b, [Float](repeating: 0, count: m * n), m: m, n: n, k: k, ta: false, tb: false, alpha: 1, beta: 0)
        let aBuffer = try context.buffer(a), bBuffer = try context.buffer(b)
        let cBuffer = try context.buffer(Float.self, count: m * n)
        try gemm.multiply(a: aBuffer, b: bBuffer, c: cBuffer, m: m, n: n, k: k, bias: try context.buffer(rowBias), biasAxis: .row)
        assertClose(try cBuffer.read(), expected.enumerated().map { $0.element + rowBias[$0.offset / n] }, "row bias")
        try gemm.multiply(a: aBuffer, b: bBuffer, c: cBuffer, m: m, n: n, k: k, bias: try context.buffer(columnBias), biasAxis: .column)
        assertClose(try cBuffer.read(), expected.enumerated().map { $0.element + columnBias[$0.offset % n] }, "column bias")
    }

    /// Manual benchmark (`CONVEYOR_GEMM_BENCH=1 swift test -c release --filter GemmTests.testBenchmark`); no assertion on time.
    func testBenchmark() throws {
        guard ProcessInfo.processInfo.environment["CONVEYOR_GEMM_BENCH"] != nil else { throw XCTSkip("set CONVEYOR_GEMM_BENCH=1") }
        // CONVEYOR_GEMM_SHAPE="m,n,k" picks another shape.
        let shape = (ProcessInfo.processInfo.environment["CONVEYOR_GEMM_SHAPE"] ?? "64,25600,800").split(separator: ",").map { Int($0)! }
        let m = shape[0], n = shape[1], k = shape[2]
        var random = SeededGenerator(seed: 1)
        let a = random.floats(m * k), b = random.floats(k * n)
        let aBuffer = try context.buffer(a), bBuffer = try context.buffer(b)
        let cBuffer = try context.buffer(Float.self, count: m * n)
        let flops = 2.0 * Double(m * n * k)
        var tunings = [GemmTuning.rule(for: context.device)]
        if let text = ProcessInfo.processInfo.environment["CONVEYOR_GEMM_TUNINGS"] {
            // "tm,tn,tk,wm,wn;..."
            tunings = text.split(separator: ";").map { item in
                let v = item.split(separator: ",").map { Int($0)! }
                return GemmTuning(tileM: v[0], tileN: v[1], tileK: v[2], workM: v[3], workN: v[4], vectorColumns: v.count > 5 && v[5] == 1)
            }
        }
        for tuning in tunings {
            let gemm = try MatrixMultiply(context: context, tuning: tuning)
            try gemm.multiply(a: aBuffer, b: bBuffer, c: cBuffer, m: m, n: n, k: k)
            try context.finish()
            let start = Date()
            let runs = 5
            for _ in 0..<runs { try gemm.multiply(a: aBuffer, b: bBuffer, c: cBuffer, m: m, n: n, k: k) }
            try context.finish()
            let seconds = Date().timeIntervalSince(start) / Double(runs)
            print("gemm.cl \(tuning): \(String(format: "%.1f", flops / seconds / 1e9)) GFLOP/s")
        }
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        let start = Date()
        for _ in 0..<5 {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        }
        print("cblas_sgemm: \(String(format: "%.1f", flops / (Date().timeIntervalSince(start) / 5) / 1e9)) GFLOP/s")
    }
}
