import Layers
import OpenCLRuntime
import XCTest

/// Synchronised batch norm (`CrossProcessSum`) in both kernel styles: two ranks holding the same
/// batch have the global statistics of that batch, so a layer whose sums are doubled (as by the
/// all-reduce of two equal ranks) must train exactly as a plain layer: same output, input
/// gradient, parameter gradients and running mean, to float rounding; the running variance's
/// unbiased correction counts the global batch, m / (m - 1) with m twice the local count.
final class SyncBatchNormTests: XCTestCase {
    let context = LayerTestDevice.context

    /// The all-reduce of two ranks that hold equal values.
    final class TwoEqualRanks: CrossProcessSum {
        var calls = 0
        func sum(_ values: inout [Float]) throws {
            calls += 1
            values = values.map { 2 * $0 }
        }
    }

    func testSynchronisedLayerOfTwoEqualRanksTrainsAsAPlainOne() throws {
        var random = SeededGenerator(seed: 12)
        let shape = Shape(channels: 5, height: 7, width: 6), batch = 3
        let x = random.floats(batch * shape.count, in: -2...3).map { $0 + 1.5 }
        let dy = random.floats(batch * shape.count)
        let gamma = random.floats(5, in: 0.5...1.5), beta = random.floats(5)
        for style in KernelStyle.allCases {
            func train(_ sum: CrossProcessSum?) throws -> [[Float]] {
                let layer = try BatchNorm2D(context: context, name: "bn", input: shape, momentum: 0.2, style: style)
                layer.crossProcessSum = sum
                try layer.reserve(batch: batch)
                try layer.weight!.value.write(gamma)
                try layer.bias!.value.write(beta)
                try layer.weight!.gradient.fill(0)
                try layer.bias!.gradient.fill(0)
                let input = try context.buffer(x), output = try context.buffer(Float.self, count: x.count)
                let outputGradient = try context.buffer(dy), inputGradient = try context.buffer(Float.self, count: x.count)
                try layer.forward(input, into: output, batch: batch, mode: .training)
                try layer.backward(input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                                   batch: batch)
                return [try output.read(), try inputGradient.read(), try layer.weight!.gradient.read(),
                        try layer.bias!.gradient.read(), try layer.runningMean.read(), try layer.runningVar.read()]
            }
            let ranks = TwoEqualRanks()
            var plain = try train(nil)
            let synchronised = try train(ranks)
            // running var = 0.8 * 1 + 0.2 * biased var * m / (m - 1), m the values per channel.
            let local = Float(batch * shape.height * shape.width), global = 2 * local
            plain[5] = plain[5].map { 0.8 + (($0 - 0.8) * (local - 1) / local) * global / (global - 1) }
            XCTAssertEqual(ranks.calls, 3, "two sums in forward, one in backward")
            for (name, (a, b)) in zip(["output", "input gradient", "gamma gradient", "beta gradient", "running mean", "running var"],
                                      zip(plain, synchronised)) {
                let difference = zip(a, b).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(difference, 2e-5, "\(style) \(name)")
            }
        }
    }
}
