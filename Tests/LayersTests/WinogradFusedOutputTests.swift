import Foundation
import OpenCLRuntime
import XCTest
@testable import Layers

/// The cpu style's products and output transform in one kernel (`winograd_product_output`)
/// against the two kernels it replaces: the same sums in the same order, so the outputs and the
/// input gradients are the same bit for bit, in one chunk and in several.
final class WinogradFusedOutputTests: XCTestCase {
    struct Case {
        var tile: Int
        var input: Shape
        var filters: Int
        var batch: Int
        var chunk: Int
    }

    /// Partial row blocks (20, 33, 7 filters), partial column blocks, planes that are not whole
    /// tiles (7x7, 9x9), one tile per image (4x4 with F(4x4)), and chunks of 2 and 1 images.
    static let cases = [
        Case(tile: 2, input: Shape(channels: 3, height: 7, width: 7), filters: 20, batch: 3, chunk: 3),
        Case(tile: 2, input: Shape(channels: 16, height: 16, width: 16), filters: 32, batch: 5, chunk: 2),
        Case(tile: 4, input: Shape(channels: 40, height: 4, width: 4), filters: 33, batch: 5, chunk: 2),
        Case(tile: 4, input: Shape(channels: 6, height: 9, width: 9), filters: 7, batch: 3, chunk: 3),
    ]

    func testFusedKernelEqualsTheTwoKernelsBitForBit() throws {
        let context = try makeTestContext()
        var compared = 0
        for item in Self.cases {
            let config = Conv2DConfig(filters: item.filters, size: 3, padding: 1, bias: true)
            let kind: ConvAlgorithm = item.tile == 2 ? .cpuWinograd : .cpuWinograd4
            var random = SeededGenerator(seed: 7)
            let x = try context.buffer(random.floats(item.batch * item.input.count))
            let output = Shape(channels: item.filters, height: item.input.height, width: item.input.width)
            let dy = try context.buffer(random.floats(item.batch * output.count))
            let weight = try Parameter(context: context, layer: "w", name: "weight", shape: [item.filters, item.input.channels, 3, 3],
                                       kind: .weight, fanIn: item.input.channels * 9, fanOut: item.filters * 9)
            let bias = try Parameter(context: context, layer: "w", name: "bias", shape: [item.filters], kind: .bias, fanIn: 1, fanOut: 1)
            try weight.value.write(random.floats(weight.count))
            try bias.value.write(random.floats(bias.count))
            var results: [[Float]] = []
            for fused in [true, false] {
                let algorithm = try WinogradConvolution(context: context, layer: "w", input: item.input, output: output, config: config,
                                                        kind: kind, tile: item.tile, style: .cpuBlocks, fusesOutputTransform: fused)
                if fused && !algorithm.fusesOutputTransform { break }   // the device's local memory cannot hold a block's products
                let y = try context.buffer(Float.self, count: item.batch * output.count)
                let dx = try context.buffer(Float.self, count: item.batch * item.input.count)
                try algorithm.reserve(chunk: item.chunk)
                let chunks = ConvolutionChunk.split(batch: item.batch, size: item.chunk)
                for chunk in chunks { try algorithm.forward(x, into: y, weight: weight, bias: bias, chunk: chunk) }
                try algorithm.beginBackward(outputGradient: dy, weight: weight, bias: bias, computesInputGradient: true, batch: item.batch)
                for chunk in chunks {
                    try algorithm.backward(input: x, outputGradient: dy, weight: weight, inputGradient: dx, chunk: chunk,
                                           scratchHoldsInput: false)
                }
                results.append(contentsOf: [try y.read(), try dx.read()])
            }
            guard results.count == 4 else { continue }
            compared += 1
            XCTAssertEqual(results[0], results[2], "output, F(\(item.tile)x\(item.tile)), \(item.input) -> \(item.filters)")
            XCTAssertEqual(results[1], results[3], "input gradient, F(\(item.tile)x\(item.tile)), \(item.input) -> \(item.filters)")
        }
        if compared == 0 { throw XCTSkip("the device's local memory cannot hold a block's products") }
    }
}

/// Manual benchmark (`CONVEYOR_WINOGRAD_BENCH=BATCH`): cpu-winograd-4x4 on cifar10-fast's 3x3
/// layers with the fused kernel and with the two kernels, alternating within each round, best
/// of 3 rounds, ms forward / backward. No assertion on time.
final class WinogradFusedOutputBenchmarkTests: XCTestCase {
    func testFusedAgainstTwoKernels() throws {
        guard let text = ProcessInfo.processInfo.environment["CONVEYOR_WINOGRAD_BENCH"], let batch = Int(text) else {
            throw XCTSkip("set CONVEYOR_WINOGRAD_BENCH=BATCH")
        }
        let context = try makeTestContext()
        for item in WinogradErrorTests.shippedLayers.prefix(5) {
            let config = Conv2DConfig(filters: item.filters, size: 3, padding: 1, bias: false)
            let output = Shape(channels: item.filters, height: item.input.height, width: item.input.width)
            var random = SeededGenerator(seed: 3)
            let x = try context.buffer(random.floats(batch * item.input.count)), dy = try context.buffer(random.floats(batch * output.count))
            let y = try context.buffer(Float.self, count: batch * output.count), dx = try context.buffer(Float.self, count: batch * item.input.count)
            let weight = try Parameter(context: context, layer: "w", name: "weight", shape: [item.filters, item.input.channels, 3, 3],
                                       kind: .weight, fanIn: 1, fanOut: 1)
            try weight.value.write(random.floats(weight.count))
            // The chunk of the rules' budget, as Conv2D would split the batch.
            let rule = try Conv2D(context: context, name: "rule", input: item.input, config: config, algorithm: .cpuWinograd4)
            let chunkSize = rule.chunkSize(batch: batch)
            let variants = try [true, false].map { fused in
                try WinogradConvolution(context: context, layer: "w", input: item.input, output: output, config: config, kind: .cpuWinograd4,
                                        tile: 4, style: .cpuBlocks, fusesOutputTransform: fused)
            }
            var best = [(forward: Double, backward: Double)](repeating: (.infinity, .infinity), count: variants.count)
            for round in 0..<4 {
                for (index, algorithm) in variants.enumerated() {
                    try algorithm.reserve(chunk: chunkSize)
                    let chunks = ConvolutionChunk.split(batch: round == 0 ? 1 : batch, size: chunkSize)   // round 0 compiles
                    try context.finish()
                    let start = DispatchTime.now().uptimeNanoseconds
                    for chunk in chunks { try algorithm.forward(x, into: y, weight: weight, bias: nil, chunk: chunk) }
                    try context.finish()
                    let middle = DispatchTime.now().uptimeNanoseconds
                    try algorithm.beginBackward(outputGradient: dy, weight: weight, bias: nil, computesInputGradient: true,
                                                batch: round == 0 ? 1 : batch)
                    for chunk in chunks {
                        try algorithm.backward(input: x, outputGradient: dy, weight: weight, inputGradient: dx, chunk: chunk,
                                               scratchHoldsInput: false)
                    }
                    try context.finish()
                    let end = DispatchTime.now().uptimeNanoseconds
                    if round > 0 {
                        best[index] = (min(best[index].forward, Double(middle - start) / 1e6), min(best[index].backward, Double(end - middle) / 1e6))
                    }
                }
            }
            print(String(format: "%@ batch %d, chunks of %d (forward / backward ms): fused %.1f / %.1f, two kernels %.1f / %.1f", item.name,
                         batch, chunkSize, best[0].forward, best[0].backward, best[1].forward, best[1].backward))
        }
    }
}
