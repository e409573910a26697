import Layers
import OpenCLRuntime
import XCTest

final class ResidualBlockTests: XCTestCase {
    let context = LayerTestDevice.context

    /// ResNet's two blocks: identity (same shape) and projection (stride 2, more filters), the
    /// second with batch norm on both paths as in He et al.; a nested block inside a body.
    func makeBlock(_ variant: String, input: Shape) throws -> ResidualBlock {
        func conv(_ name: String, _ input: Shape, filters: Int, size: Int, stride: Int = 1, bias: Bool = true) throws -> Conv2D {
            try Conv2D(context: context, name: name, input: input,
                       config: Conv2DConfig(filters: filters, size: size, stride: stride, padding: size / 2, bias: bias))
        }
        switch variant {
        case "identity":
            let c1 = try conv("b.conv1", input, filters: input.channels, size: 3)
            let r1 = try Activation(context: context, name: "b.relu1", input: c1.outputShape, kind: .relu)
            let c2 = try conv("b.conv2", r1.outputShape, filters: input.channels, size: 3)
            return try ResidualBlock(context: context, name: "b", input: input, body: [c1, r1, c2], shortcut: [])
        case "projection":
            // No bias before batch norm, as in ResNet: its gradient would be ~0, all rounding.
            let c1 = try conv("b.conv1", input, filters: 6, size: 3, stride: 2, bias: false)
            let n1 = try BatchNorm2D(context: context, name: "b.bn1", input: c1.outputShape, momentum: 0.1, epsilon: 1e-5,
                                     affine: true, learnsScale: true)
            let r1 = try Activation(context: context, name: "b.relu1", input: n1.outputShape, kind: .gelu)
            let c2 = try conv("b.conv2", r1.outputShape, filters: 6, size: 3)
            let s1 = try conv("b.shortcut.conv1", input, filters: 6, size: 1, stride: 2, bias: false)
            let s2 = try BatchNorm2D(context: context, name: "b.shortcut.bn1", input: s1.outputShape, momentum: 0.1, epsilon: 1e-5,
                                     affine: true, learnsScale: true)
            return try ResidualBlock(context: context, name: "b", input: input, body: [c1, n1, r1, c2], shortcut: [s1, s2])
        default:
            let inner = try makeBlock("identity", input: input)
            let r = try Activation(context: context, name: "outer.gelu1", input: input, kind: .gelu)
            return try ResidualBlock(context: context, name: "outer", input: input, body: [inner, r], shortcut: [])
        }
    }

    func randomize(_ block: Layer, _ random: inout SeededGenerator) throws -> [[Float]] {
        try block.parameters.map { parameter in
            let values = parameter.kind == .normScale ? random.floats(parameter.count, in: 0.5...1.5) : random.floats(parameter.count, in: -0.5...0.5)
            try parameter.value.write(values)
            return values
        }
    }

    func testForwardAndBackwardMatchReference() throws {
        var random = SeededGenerator(seed: 24)
        for (variant, input, batch) in [("identity", Shape(channels: 4, height: 7, width: 6), 2),
                                        ("projection", Shape(channels: 3, height: 9, width: 9), 3),
                                        ("nested", Shape(channels: 5, height: 5, width: 5), 2)] {
            for mode in [Mode.training, .evaluation] {
                let block = try makeBlock(variant, input: input)
                let parameters = try randomize(block, &random)
                try block.reserve(batch: batch)
                for parameter in block.parameters { try parameter.gradient.fill(0) }
                let x = random.floats(batch * input.count, in: -2...2)
                let dy = random.floats(batch * block.outputShape.count)
                let device = try LayerHarness(context: context, layer: block).forwardBackward(x, outputGradient: dy, batch: batch, mode: mode)
                let pass = try block.referenceForward(x, batch: batch, parameters: parameters, mode: mode)
                let reference = try block.referenceBackward(pass, outputGradient: dy, parameters: parameters)
                let what = "\(variant) \(mode)"
                assertClose(device.output, pass.output, "forward \(what)")
                assertClose(device.inputGradient, reference.input, "input gradient \(what)")
                for (parameter, expected) in zip(block.parameters, reference.parameters) {
                    assertClose(try parameter.gradient.read(), expected, tolerance: 2e-4, "\(parameter.name) gradient \(what)")
                }
            }
        }
    }

    /// The block's reference gradient against numerical differences: the sum's gradient reaches
    /// the input through both paths.
    func testReferenceGradients() throws {
        var random = SeededGenerator(seed: 5)
        let checker = GradientChecker(step: 1e-2, threshold: 2e-2)
        for variant in ["identity", "projection", "nested"] {
            let input = Shape(channels: 3, height: 5, width: 5)
            let block = try makeBlock(variant, input: input)
            let parameters = try randomize(block, &random)
            let batch = 2
            let x = random.floats(batch * input.count, in: -1...1)
            let weights = random.floats(batch * block.outputShape.count)
            let pass = try block.referenceForward(x, batch: batch, parameters: parameters, mode: .evaluation)
            let analytic = try block.referenceBackward(pass, outputGradient: weights, parameters: parameters).input
            checker.assertPasses(checker.check(x: x, weights: weights, analytic: analytic) { input in
                (try? block.referenceForward(input, batch: batch, parameters: parameters, mode: .evaluation).output) ?? []
            }, "residual \(variant)")
        }
    }

    /// Without an input gradient (the block is the network's first layer) the parameters of both
    /// paths still get theirs.
    func testBackwardWithoutInputGradientStillFillsParameterGradients() throws {
        var random = SeededGenerator(seed: 8)
        let input = Shape(channels: 3, height: 7, width: 7)
        let block = try makeBlock("projection", input: input)
        _ = try randomize(block, &random)
        try block.reserve(batch: 2)
        let x = try context.buffer(random.floats(2 * input.count), label: "x")
        let y = try context.buffer(Float.self, count: 2 * block.outputShape.count, label: "y")
        let dy = try context.buffer(random.floats(2 * block.outputShape.count), label: "dy")
        try block.forward(x, into: y, batch: 2, mode: .training)
        try block.backward(input: x, output: y, outputGradient: dy, inputGradient: nil, batch: 2)
        for parameter in block.parameters {
            XCTAssertTrue(try parameter.gradient.read().contains { $0 != 0 }, "\(parameter.name) got no gradient")
        }
    }

    func testShapeMismatchNamesBothShapesAndSuggestsAProjection() throws {
        let input = Shape(channels: 3, height: 9, width: 9)
        let conv = try Conv2D(context: context, name: "b.conv1", input: input, config: Conv2DConfig(filters: 8, size: 3, stride: 2, padding: 1))
        XCTAssertThrowsError(try ResidualBlock(context: context, name: "b", input: input, body: [conv], shortcut: [])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("8x5x5") && text.contains("3x9x9"), text)
            XCTAssertTrue(text.contains("shortcut: [conv: {filters: 8, size: 1, stride: 2"), text)
        }
        XCTAssertThrowsError(try ResidualBlock(context: context, name: "b", input: input, body: [], shortcut: [])) { error in
            XCTAssertTrue("\(error)".contains("body is empty"), "\(error)")
        }
    }

    func testScratchBytesMatchAllocation() throws {
        for variant in ["identity", "projection", "nested"] {
            try assertScratchMatchesAllocation({ try makeBlock(variant, input: Shape(channels: 3, height: 7, width: 7)) },
                                               batch: 3, context: context)
        }
    }
}
