import Layers
import XCTest

/// The CPU references of Conv2D and FullyConnected against numerical gradients.
final class ReferenceGradientTests: XCTestCase {
    let checker = GradientChecker(step: 1e-2, threshold: 1e-2)

    func checkConv(_ config: Conv2DConfig, input: Shape, batch: Int, seed: UInt64) throws {
        let reference = try ConvReference(input: input, config: config)
        var random = SeededGenerator(seed: seed)
        let x = random.floats(batch * input.count)
        let w = random.floats(config.filters * input.channels / config.groups * config.size * config.size)
        let b = config.bias ? random.floats(config.filters) : []
        let upstream = random.floats(batch * reference.output.count)
        let grads = reference.backward(x: x, weight: w, dy: upstream, batch: batch)
        let label = "conv \(config) on \(input)"
        checker.assertPasses(checker.check(x: x, weights: upstream, analytic: grads.dx) {
            reference.forward(x: $0, weight: w, bias: b, batch: batch)
        }, "\(label) input")
        checker.assertPasses(checker.check(x: w, weights: upstream, analytic: grads.dweight) {
            reference.forward(x: x, weight: $0, bias: b, batch: batch)
        }, "\(label) weight")
        if config.bias {
            checker.assertPasses(checker.check(x: b, weights: upstream, analytic: grads.dbias) {
                reference.forward(x: x, weight: w, bias: $0, batch: batch)
            }, "\(label) bias")
        }
    }

    func testConvReferenceGradients() throws {
        try checkConv(Conv2DConfig(filters: 3, size: 3, padding: 1), input: Shape(channels: 2, height: 5, width: 5), batch: 2, seed: 1)
        try checkConv(Conv2DConfig(filters: 4, size: 3, stride: 2, padding: 1, dilation: 2, groups: 2),
                      input: Shape(channels: 2, height: 7, width: 7), batch: 1, seed: 2)
        try checkConv(Conv2DConfig(filters: 3, size: 2, groups: 3, bias: false), input: Shape(channels: 3, height: 4, width: 4),
                      batch: 2, seed: 3)
    }

    func testFullyConnectedReferenceGradients() throws {
        let reference = FullyConnectedReference(inputs: 7, outputs: 5)
        var random = SeededGenerator(seed: 4)
        let batch = 3
        let x = random.floats(batch * 7), w = random.floats(35), b = random.floats(5), upstream = random.floats(batch * 5)
        let grads = reference.backward(x: x, weight: w, dy: upstream, batch: batch)
        checker.assertPasses(checker.check(x: x, weights: upstream, analytic: grads.dx) {
            reference.forward(x: $0, weight: w, bias: b, batch: batch)
        }, "fc input")
        checker.assertPasses(checker.check(x: w, weights: upstream, analytic: grads.dweight) {
            reference.forward(x: x, weight: $0, bias: b, batch: batch)
        }, "fc weight")
        checker.assertPasses(checker.check(x: b, weights: upstream, analytic: grads.dbias) {
            reference.forward(x: x, weight: w, bias: $0, batch: batch)
        }, "fc bias")
    }
}
