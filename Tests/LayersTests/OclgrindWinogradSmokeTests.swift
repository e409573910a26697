import Layers
import OpenCLRuntime
import XCTest

/// Tiny launches of the cpu-winograd and gpu-winograd kernels, sized to run under oclgrind (scripts/run-oclgrind)
/// in seconds: tiles over the right and bottom edges (5x5, 7x3 planes), padding 0 and 2 (input
/// gradients padded by 2 and 0), filters that leave an 8-row block and a 32-column block partly
/// empty, and two chunks (the transformed filters' gradient summed over them).
final class OclgrindWinogradSmokeTests: XCTestCase {
    func testWinogradForwardAndBackward() throws {
        let context = try makeTestContext()
        var random = SeededGenerator(seed: 8)
        let cases: [(Shape, Conv2DConfig)] = [
            (Shape(channels: 2, height: 5, width: 5), Conv2DConfig(filters: 3, size: 3, padding: 1)),
            (Shape(channels: 3, height: 7, width: 3), Conv2DConfig(filters: 9, size: 3, padding: 2, bias: false)),
            (Shape(channels: 2, height: 6, width: 6), Conv2DConfig(filters: 4, size: 3)),
        ]
        for algorithm in [ConvAlgorithm.cpuWinograd, .cpuWinograd4, .gpuWinograd, .gpuWinograd4] {
            for (input, config) in cases {
                let batch = 3
                // gpu-winograd with the GPU rule's tiling: work-groups of 16x16 sharing local memory.
                let layer = try Conv2D(context: context, name: "conv", input: input, config: config, gemmTuning: .gpuRule,
                                       algorithm: algorithm)
                layer.chunkBudgetBytes = layer.chunkBudget(images: 2)
                let reference = try ConvReference(input: input, config: config)
                let x = random.floats(batch * input.count), w = random.floats(layer.weight.count)
                let b = config.bias ? random.floats(config.filters) : []
                let dy = random.floats(batch * layer.outputShape.count)
                try layer.weight.value.write(w)
                if let bias = layer.bias { try bias.value.write(b) }
                try layer.weight.gradient.fill(0)
                try layer.reserve(batch: batch)
                let xBuffer = try context.buffer(x), dyBuffer = try context.buffer(dy)
                let yBuffer = try context.buffer(Float.self, count: dy.count), dxBuffer = try context.buffer(Float.self, count: x.count)
                try layer.forward(xBuffer, into: yBuffer, batch: batch, mode: .training)
                try layer.backward(input: xBuffer, output: yBuffer, outputGradient: dyBuffer, inputGradient: dxBuffer, batch: batch)
                let expected = reference.backward(x: x, weight: w, dy: dy, batch: batch)
                let label = "\(algorithm) \(input) \(config)"
                assertClose(try yBuffer.read(), reference.forward(x: x, weight: w, bias: b, batch: batch), tolerance: algorithm.tolerance,
                            "smoke forward \(label)")
                assertClose(try dxBuffer.read(), expected.dx, tolerance: algorithm.tolerance, "smoke input gradient \(label)")
                assertClose(try layer.weight.gradient.read(), expected.dweight, tolerance: algorithm.tolerance, "smoke weight gradient \(label)")
            }
        }
    }
}
