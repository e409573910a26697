import Layers
import OpenCLRuntime
import XCTest

/// Tiny launches of every layer kernel, sized to run under oclgrind (scripts/run-oclgrind) in
/// seconds; on the normal device they are one more parity check.
final class OclgrindSmokeTests: XCTestCase {
    var context: ComputeContext!

    override func setUpWithError() throws {
        context = try makeTestContext()
        print("OclgrindSmokeTests on \(context.device.name) (\(context.device.platformName))")
    }

    func testGemmAllTransposes() throws {
        var random = SeededGenerator(seed: 3)
        let m = 9, n = 7, k = 5
        let a = try context.buffer(random.floats(m * k)), b = try context.buffer(random.floats(k * n))
        let c = try context.buffer(Float.self, count: m * n)
        for tuning in [GemmTuning(tileM: 8, tileN: 8, tileK: 4, workM: 2, workN: 2),
                       GemmTuning(tileM: 8, tileN: 16, tileK: 4, workM: 4, workN: 8, vectorColumns: true)] {
            let gemm = try MatrixMultiply(context: context, tuning: tuning)
            for ta in [false, true] {
                for tb in [false, true] {
                    try gemm.multiply(a: a, b: b, c: c, m: m, n: n, k: k, transposeA: ta, transposeB: tb, beta: ta ? 1 : 0)
                }
            }
        }
        try context.finish()
    }

    func testConvForwardAndBackward() throws {
        var random = SeededGenerator(seed: 4)
        let small = Shape(channels: 2, height: 5, width: 5)
        // Every algorithm; the CPU ones with planes of 16 to 256 pixels (vectors of 4, 8 and 16
        // pixels of a row), 17 filters (a partial register block) and a valid (unpadded) window.
        let cases: [(Shape, Conv2DConfig, ConvAlgorithm)] = [
            (small, Conv2DConfig(filters: 3, size: 3, stride: 2, padding: 1), .tiledGemm),
            (small, Conv2DConfig(filters: 4, size: 3, padding: 2, dilation: 2, groups: 2, bias: false), .tiledGemm),
            (Shape(channels: 2, height: 4, width: 4), Conv2DConfig(filters: 17, size: 3, padding: 1), .cpuPanels),
            (Shape(channels: 2, height: 8, width: 8), Conv2DConfig(filters: 3, size: 3, stride: 1, padding: 1, bias: false), .cpuPanels),
            (Shape(channels: 2, height: 4, width: 4), Conv2DConfig(filters: 17, size: 3, padding: 1), .cpuImplicit),
            (Shape(channels: 3, height: 8, width: 8), Conv2DConfig(filters: 5, size: 5), .cpuImplicit),
            (Shape(channels: 2, height: 16, width: 16), Conv2DConfig(filters: 3, size: 3, padding: 1, bias: false), .cpuImplicit),
            // cpu-implicit's rows kernels: widths 3, 7 and 17 (rows of 4, 8 and 32 columns, vectors
            // of rows across the two images), and a valid 2x2 window from 8x8 to 7x7.
            (Shape(channels: 3, height: 3, width: 3), Conv2DConfig(filters: 9, size: 3, padding: 1), .cpuImplicit),
            (Shape(channels: 2, height: 7, width: 7), Conv2DConfig(filters: 5, size: 3, padding: 1, bias: false), .cpuImplicit),
            (Shape(channels: 2, height: 5, width: 17), Conv2DConfig(filters: 3, size: 3, padding: 1), .cpuImplicit),
            (Shape(channels: 3, height: 8, width: 8), Conv2DConfig(filters: 4, size: 2), .cpuImplicit),
            // cpu-channels: a partial filter vector (17) and blocks over the right and bottom
            // edges of 7x7 and 3x3 planes (reads in the padded buffer's overhang), a 2x2 window.
            (Shape(channels: 2, height: 7, width: 7), Conv2DConfig(filters: 17, size: 3, padding: 1), .cpuChannels),
            (Shape(channels: 17, height: 3, width: 3), Conv2DConfig(filters: 3, size: 3, padding: 1, bias: false), .cpuChannels),
            (Shape(channels: 3, height: 8, width: 8), Conv2DConfig(filters: 4, size: 2), .cpuChannels),
            // Its weight gradient by rows of a 5x5 window, and by 9 channels of a 1x1 one (3 here).
            (Shape(channels: 3, height: 8, width: 8), Conv2DConfig(filters: 5, size: 5, padding: 2), .cpuChannels),
            (Shape(channels: 3, height: 4, width: 4), Conv2DConfig(filters: 20, size: 1, bias: false), .cpuChannels),
        ]
        for (input, config, algorithm) in cases {
            let batch = 2
            let layer = try Conv2D(context: context, name: "conv", input: input, config: config, gemmTuning: layerTestTuning,
                                   algorithm: algorithm)
            let reference = try ConvReference(input: input, config: config)
            let x = random.floats(batch * input.count), w = random.floats(layer.weight.count)
            let b = config.bias ? random.floats(config.filters) : []
            let dy = random.floats(batch * layer.outputShape.count)
            try layer.weight.value.write(w)
            if let bias = layer.bias { try bias.value.write(b) }
            try layer.reserve(batch: batch)
            let xBuffer = try context.buffer(x), dyBuffer = try context.buffer(dy)
            let yBuffer = try context.buffer(Float.self, count: dy.count), dxBuffer = try context.buffer(Float.self, count: x.count)
            try layer.forward(xBuffer, into: yBuffer, batch: batch, mode: .training)
            try layer.backward(input: xBuffer, output: yBuffer, outputGradient: dyBuffer, inputGradient: dxBuffer, batch: batch)
            assertClose(try yBuffer.read(), reference.forward(x: x, weight: w, bias: b, batch: batch), "smoke conv forward")
            assertClose(try dxBuffer.read(), reference.backward(x: x, weight: w, dy: dy, batch: batch).dx, "smoke conv input gradient")
        }
    }

    /// Both kernel sets; 37 inputs give fc_cpu.cl a full 32-column block and a partial one, 5
    /// images and outputs a partial block of 4, the scale its fused path.
    func testFullyConnectedForwardAndBackward() throws {
        for style in KernelStyle.allCases {
            var random = SeededGenerator(seed: 5)
            let layer = try FullyConnected(context: context, name: "fc", input: Shape(channels: 37, height: 1, width: 1),
                                           config: FullyConnectedConfig(outputs: 5, scale: 0.5), gemmTuning: layerTestTuning, style: style)
            try layer.reserve(batch: 5)
            let x = try context.buffer(random.floats(5 * 37)), dy = try context.buffer(random.floats(5 * 5))
            let y = try context.buffer(Float.self, count: 25), dx = try context.buffer(Float.self, count: 5 * 37)
            try layer.weight.value.write(random.floats(5 * 37))
            try layer.forward(x, into: y, batch: 5, mode: .training)
            try layer.backward(input: x, output: y, outputGradient: dy, inputGradient: dx, batch: 5)
            try context.finish()
        }
    }
}
