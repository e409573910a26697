import Layers
import OpenCLRuntime
import XCTest

final class ActivationTests: XCTestCase {
    let context = LayerTestDevice.context

    func testReferenceGradients() {
        var random = SeededGenerator(seed: 3)
        let checker = GradientChecker(step: 1e-3)
        for kind in ActivationKind.allCases {
            let x = random.floats(300, in: -3...3)
            let weights = random.floats(300)
            let analytic = ActivationReference.backward(x, outputGradient: weights, kind: kind)
            checker.assertPasses(checker.check(x: x, weights: weights, analytic: analytic) {
                ActivationReference.forward($0, kind: kind)
            }, "\(kind)")
        }
    }

    func testKernelsMatchReferenceOnRandomConfigurations() throws {
        var random = SeededGenerator(seed: 77)
        for trial in 0..<20 {
            for kind in ActivationKind.allCases {
                let shape = Shape(channels: Int.random(in: 1...13, using: &random), height: [1, 7, 13].randomElement(using: &random)!,
                                  width: [1, 7, 13].randomElement(using: &random)!)
                let batch = Int.random(in: 1...3, using: &random)
                let x = random.floats(batch * shape.count, in: -4...4)
                let dy = random.floats(batch * shape.count)
                let layer = try Activation(context: context, name: "act", input: shape, kind: kind)
                XCTAssertEqual(layer.outputShape, shape)
                let result = try LayerHarness(context: context, layer: layer)
                    .forwardBackward(x, outputGradient: dy, batch: batch, mode: .training)
                let what = "trial \(trial) \(kind) \(batch)x\(shape)"
                assertClose(result.output, ActivationReference.forward(x, kind: kind), "forward \(what)")
                assertClose(result.inputGradient, ActivationReference.backward(x, outputGradient: dy, kind: kind), "backward \(what)")
            }
        }
    }

    /// The kernels take 64 values a work-item (four float16s) and finish the tail one by one:
    /// counts below, at and around multiples of 16 and 64, and inputs far into GELU's saturation
    /// (exp clamped there).
    func testKernelsMatchReferenceOnVectorTailsAndLargeInputs() throws {
        var random = SeededGenerator(seed: 91)
        let extremes: [Float] = [0, -0.0, 1e-6, -1e-6, 9, -9, 20, -20, 44, -44, 100, -100, 1e4, -1e4]
        for count in [1, 15, 16, 17, 33, 63, 64, 65, 127, 128, 1000, 1029] {
            for kind in ActivationKind.allCases {
                var x = random.floats(count, in: -6...6)
                for (i, value) in extremes.enumerated() where i < count { x[(i * 7) % count] = value }
                let dy = random.floats(count)
                let layer = try Activation(context: context, name: "act", input: Shape(channels: count, height: 1, width: 1), kind: kind)
                let result = try LayerHarness(context: context, layer: layer)
                    .forwardBackward(x, outputGradient: dy, batch: 1, mode: .training)
                assertClose(result.output, ActivationReference.forward(x, kind: kind), "forward \(kind) \(count) values")
                assertClose(result.inputGradient, ActivationReference.backward(x, outputGradient: dy, kind: kind),
                            "backward \(kind) \(count) values")
            }
        }
    }

    func testScratchBytesMatchAllocation() throws {
        try assertScratchMatchesAllocation({
            try Activation(context: context, name: "relu", input: Shape(channels: 3, height: 7, width: 7), kind: .relu)
        }, batch: 5, context: context)
    }
}
