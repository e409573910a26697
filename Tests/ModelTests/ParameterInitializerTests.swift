import Layers
import Model
import OpenCLRuntime
import XCTest

/// Starting values: Dirac (identity) initialisation makes a convolution pass its input through.
final class ParameterInitializerTests: XCTestCase {
    let context = try! ComputeContext(selector: "cpu")

    func testDiracConvolutionPassesTheFirstChannelsThrough() throws {
        let input = Shape(channels: 3, height: 5, width: 5)
        let conv = try Conv2D(context: context, name: "conv", input: input,
                              config: Conv2DConfig(filters: 5, size: 3, padding: 1, bias: false))
        try ParameterInitializer.initialize(conv.weight, layer: "conv", scheme: .dirac, seed: 1)
        let weights = try conv.weight.value.read()
        // Filters 0-2 are the identity on channels 0-2; filters 3-4 keep PyTorch's default
        // uniform +-1/sqrt(fan_in) values.
        for k in 0..<3 {
            let filter = Array(weights[(k * 27)..<((k + 1) * 27)])
            XCTAssertEqual(filter.filter { $0 != 0 }, [1], "filter \(k)")
            XCTAssertEqual(filter[k * 9 + 4], 1, "filter \(k) takes channel \(k) at its centre")
        }
        let rest = weights[(3 * 27)...]
        let bound = Float(1 / 27.0.squareRoot())
        XCTAssertTrue(rest.allSatisfy { abs($0) <= bound } && rest.contains { $0 != 0 }, "remaining filters: \(Array(rest))")
        try conv.reserve(batch: 2)
        let x = (0..<(2 * input.count)).map { Float($0 % 7) - 3 }
        let y = try context.buffer(Float.self, count: 2 * 5 * 25)
        try conv.forward(try context.buffer(x), into: y, batch: 2, mode: .evaluation)
        let out = try y.read()
        for n in 0..<2 {
            for c in 0..<3 {
                XCTAssertEqual(Array(out[(n * 125 + c * 25)..<(n * 125 + (c + 1) * 25)]), Array(x[(n * 75 + c * 25)..<(n * 75 + (c + 1) * 25)]),
                               "image \(n) channel \(c)")
            }
        }
    }

    func testDiracIsDeterministicPerSeed() throws {
        let conv = try Conv2D(context: context, name: "conv", input: Shape(channels: 4, height: 4, width: 4),
                              config: Conv2DConfig(filters: 8, size: 3, padding: 1))
        let a = ParameterInitializer.values(for: conv.weight, layer: "conv", scheme: .dirac, seed: 3)
        XCTAssertEqual(a, ParameterInitializer.values(for: conv.weight, layer: "conv", scheme: .dirac, seed: 3))
        XCTAssertNotEqual(a, ParameterInitializer.values(for: conv.weight, layer: "conv", scheme: .dirac, seed: 4))
    }
}
