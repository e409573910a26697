import Foundation
import Layers
import OpenCLRuntime
import XCTest

/// The patch-whitening layer: its OpenCL kernels against its CPU reference, the reference
/// against numerical gradients and against the convolution reference, the filters measured
/// from images (the whitening property), the frozen weight and the layer contract.
final class WhiteningTests: XCTestCase {
    let context = LayerTestDevice.context

    /// Non-square, so rows and columns cannot be swapped unnoticed.
    static let shape = Shape(channels: 3, height: 7, width: 6)

    /// A layer with random filters and bias (any filters: the kernels are a general convolution).
    func makeLayer(_ config: WhiteningConfig, input: Shape = shape, seed: UInt64, style: KernelStyle? = nil) throws
        -> (Whitening, [[Float]]) {
        let layer = try Whitening(context: context, name: "whiten", input: input, config: config, biasEpochs: 3, style: style)
        var random = SeededGenerator(seed: seed)
        let values = layer.parameters.map { random.floats($0.count) }
        for (parameter, value) in zip(layer.parameters, values) { try parameter.value.write(value) }
        return (layer, values)
    }

    static let configs = [WhiteningConfig(size: 2), WhiteningConfig(size: 2, same: true),
                          WhiteningConfig(size: 3), WhiteningConfig(size: 3, same: true)]

    func testShapesAndParameters() throws {
        let cifar = Shape(channels: 3, height: 32, width: 32)
        let airbench = try Whitening(context: context, name: "whiten", input: cifar, biasEpochs: 3)
        XCTAssertEqual(airbench.outputShape, Shape(channels: 24, height: 31, width: 31))
        XCTAssertEqual(airbench.weight.shape, [24, 3, 2, 2])
        XCTAssertEqual(airbench.bias.shape, [24])
        XCTAssertFalse(airbench.weight.trainable)
        XCTAssertTrue(airbench.bias.trainable)
        XCTAssertEqual(airbench.bias.kind, .bias)
        XCTAssertEqual(airbench.bias.trainableEpochs, 3)
        XCTAssertEqual(airbench.parameters.map(\.name), ["weight", "bias"])
        let same = try Whitening(context: context, name: "whiten", input: cifar, config: WhiteningConfig(size: 3, same: true))
        XCTAssertEqual(same.outputShape, Shape(channels: 54, height: 32, width: 32))
        XCTAssertNil(same.bias.trainableEpochs)

        XCTAssertThrowsError(try Whitening(context: context, name: "w", input: Shape(channels: 3, height: 4, width: 8),
                                           config: WhiteningConfig(size: 5))) {
            XCTAssertTrue("\($0)".contains("does not fit the 4x8 input"), "\($0)")
        }
        XCTAssertThrowsError(try Whitening(context: context, name: "w", input: cifar, config: WhiteningConfig(size: 0)))
        XCTAssertThrowsError(try Whitening(context: context, name: "w", input: cifar, config: WhiteningConfig(epsilon: 0)))
        XCTAssertThrowsError(try Whitening(context: context, name: "w", input: cifar, biasEpochs: -1))
    }

    /// Device forward, bias gradient (+=, two backward passes) and input gradient (=) against the
    /// reference, for both `same` settings and a batch of 3; the frozen weight's gradient is untouched.
    func testDeviceMatchesReference() throws {
        let batch = 3
        // Every config with both bias-gradient reductions (per plane: whiten.cl's; per element: conv.cl's).
        let cases = Self.configs.enumerated().flatMap { index, config in KernelStyle.allCases.map { (index, config, $0) } }
        for (index, config, style) in cases {
            let what = "size \(config.size) same \(config.same) \(style)"
            let (layer, parameters) = try makeLayer(config, seed: 10 + UInt64(index), style: style)
            var random = SeededGenerator(seed: 100 + UInt64(index))
            let x = random.floats(batch * layer.inputShape.count)
            let dy = random.floats(batch * layer.outputShape.count)
            let sentinel = [Float](repeating: 7.5, count: layer.weight.count)
            try layer.weight.gradient.write(sentinel)
            try layer.reserve(batch: batch)

            let pass = try layer.referenceForward(x, batch: batch, parameters: parameters, mode: .training)
            let gradients = try layer.referenceBackward(pass, outputGradient: dy, parameters: parameters)
            let device = try LayerHarness(context: context, layer: layer)
                .forwardBackward(x, outputGradient: dy, batch: batch, mode: .training, backwardPasses: 2)
            assertClose(device.output, pass.output, "\(what): forward")
            assertClose(device.inputGradient, gradients.input, "\(what): input gradient")
            assertClose(try layer.bias.gradient.read(), gradients.parameters[1].map { 2 * $0 }, "\(what): bias gradient, two passes")
            XCTAssertEqual(try layer.weight.gradient.read(), sentinel, "\(what): the frozen weight's gradient must stay untouched")
            XCTAssertEqual(gradients.parameters[0], [Float](repeating: 0, count: layer.weight.count), "\(what): reference weight gradient")

            // Evaluation computes the same; no input gradient leaves the bias gradient's sum alone.
            XCTAssertEqual(try LayerHarness(context: context, layer: layer).forward(x, batch: batch, mode: .evaluation), device.output)
            let xb = try context.buffer(x, label: "x"), yb = try context.buffer(device.output, label: "y")
            let dyb = try context.buffer(dy, label: "dy")
            try layer.bias.gradient.fill(0)
            try layer.backward(input: xb, output: yb, outputGradient: dyb, inputGradient: nil, batch: batch)
            assertClose(try layer.bias.gradient.read(), gradients.parameters[1], "\(what): bias gradient without input gradient")
        }
    }

    /// The reference is the convolution reference: directly (`same` false), or on the input
    /// padded with P - 1 zero rows and columns at the bottom and right (`same` true).
    /// The forward kernel works on 16 output columns at a time: widths past one vector with a
    /// partial last one (17, 37), an exact multiple (16, 32), 1 to 3 channels and every patch side
    /// the configs use, so the masked edge loads and stores meet the reference too.
    func testForwardMatchesReferenceOnVectorEdges() throws {
        let shapes = [Shape(channels: 1, height: 5, width: 37), Shape(channels: 3, height: 4, width: 16),
                      Shape(channels: 2, height: 3, width: 17), Shape(channels: 3, height: 3, width: 32)]
        var seed: UInt64 = 300
        for shape in shapes {
            for size in 1...3 {
                for same in [false, true] {
                    seed += 1
                    let config = WhiteningConfig(size: size, same: same)
                    let (layer, parameters) = try makeLayer(config, input: shape, seed: seed)
                    var random = SeededGenerator(seed: seed + 1000)
                    let batch = 2
                    let x = random.floats(batch * shape.count)
                    let pass = try layer.referenceForward(x, batch: batch, parameters: parameters, mode: .training)
                    let device = try LayerHarness(context: context, layer: layer).forward(x, batch: batch, mode: .training)
                    assertClose(device, pass.output, "\(shape) size \(size) same \(same): forward")
                }
            }
        }
    }

    func testReferenceIsAConvolution() throws {
        let batch = 2
        for (index, config) in Self.configs.enumerated() {
            let (layer, p) = try makeLayer(config, seed: 30 + UInt64(index))
            var random = SeededGenerator(seed: 40 + UInt64(index))
            let x = random.floats(batch * layer.inputShape.count)
            let input = layer.inputShape, extra = config.same ? config.size - 1 : 0
            let padded = Shape(channels: input.channels, height: input.height + extra, width: input.width + extra)
            var xp = [Float](repeating: 0, count: batch * padded.count)
            for plane in 0..<(batch * input.channels) {
                for h in 0..<input.height {
                    for w in 0..<input.width {
                        xp[(plane * padded.height + h) * padded.width + w] = x[(plane * input.height + h) * input.width + w]
                    }
                }
            }
            let conv = try ConvReference(input: padded, config: Conv2DConfig(filters: layer.outputShape.channels, size: config.size))
            let expected = conv.forward(x: xp, weight: p[0], bias: p[1], batch: batch)
            let actual = try layer.referenceForward(x, batch: batch, parameters: p, mode: .training).output
            assertClose(actual, expected, tolerance: 1e-5, "size \(config.size) same \(config.same): reference vs convolution")
        }
    }

    /// Central differences of the reference forward against its input and bias gradients.
    func testReferenceGradients() throws {
        let batch = 2
        for (index, config) in Self.configs.enumerated() {
            let what = "whitening size \(config.size) same \(config.same)"
            let (layer, p) = try makeLayer(config, seed: 50 + UInt64(index))
            var random = SeededGenerator(seed: 60 + UInt64(index))
            let x = random.floats(batch * layer.inputShape.count)
            let weights = random.floats(batch * layer.outputShape.count)
            let pass = try layer.referenceForward(x, batch: batch, parameters: p, mode: .training)
            let analytic = try layer.referenceBackward(pass, outputGradient: weights, parameters: p)
            let checker = GradientChecker(step: 1e-2, threshold: 1e-2)
            checker.assertPasses(checker.check(x: x, weights: weights, analytic: analytic.input) {
                try! layer.referenceForward($0, batch: batch, parameters: p, mode: .training).output
            }, "\(what): input")
            checker.assertPasses(checker.check(x: p[1], weights: weights, analytic: analytic.parameters[1]) {
                try! layer.referenceForward(x, batch: batch, parameters: [p[0], $0], mode: .training).output
            }, "\(what): bias")
        }
    }

    /// Images whose neighbouring pixels and channels are correlated (a smoothed field mixed
    /// across channels, plus a little noise), so the patch covariance is far from diagonal.
    static func correlatedImages(count: Int, shape: Shape, seed: UInt64) -> [Float] {
        var random = SeededGenerator(seed: seed)
        let (c, h, w) = (shape.channels, shape.height, shape.width)
        var images = [Float](repeating: 0, count: count * shape.count)
        for n in 0..<count {
            let field = random.floats(h * w)
            let offsets = random.floats(c, in: -0.3...0.3)
            for channel in 0..<c {
                let mix = Float(channel + 1) / Float(c)
                for y in 0..<h {
                    for x in 0..<w {
                        let right = field[y * w + min(x + 1, w - 1)], down = field[min(y + 1, h - 1) * w + x]
                        let smooth = 0.5 * field[y * w + x] + 0.3 * right + 0.2 * down
                        images[n * shape.count + (channel * h + y) * w + x] = mix * smooth + offsets[channel]
                            + 0.05 * Float.random(in: -1...1, using: &random)
                    }
                }
            }
        }
        return images
    }

    /// The covariance of every patch, computed the plain way in double precision.
    static func naiveCovariance(_ images: [Float], count: Int, shape: Shape, patch: Int) -> [Double] {
        let d = shape.channels * patch * patch
        var sum = [Double](repeating: 0, count: d * d)
        var vector = [Double](repeating: 0, count: d)
        var patches = 0
        for n in 0..<count {
            for oh in 0...(shape.height - patch) {
                for ow in 0...(shape.width - patch) {
                    for c in 0..<shape.channels {
                        for i in 0..<patch {
                            for j in 0..<patch {
                                vector[(c * patch + i) * patch + j] =
                                    Double(images[n * shape.count + (c * shape.height + oh + i) * shape.width + ow + j])
                            }
                        }
                    }
                    for a in 0..<d { for b in 0..<d { sum[a * d + b] += vector[a] * vector[b] } }
                    patches += 1
                }
            }
        }
        return sum.map { $0 / Double(patches) }
    }

    func testPatchCovarianceAndEigenDecomposition() throws {
        let shape = Shape(channels: 3, height: 9, width: 8)
        for patch in [1, 2, 3] {
            let count = 40
            let images = Self.correlatedImages(count: count, shape: shape, seed: 70 + UInt64(patch))
            let covariance = try PatchWhitening.patchCovariance(images: images, count: count, channels: 3, height: 9, width: 8,
                                                                patch: patch)
            let naive = Self.naiveCovariance(images, count: count, shape: shape, patch: patch)
            for (a, b) in zip(covariance, naive) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b)), "patch \(patch): covariance") }

            let d = 3 * patch * patch
            let decomposition = try PatchWhitening.symmetricEigen(covariance, dimension: d)
            XCTAssertEqual(decomposition.eigenvalues, decomposition.eigenvalues.sorted(by: >), "patch \(patch): descending")
            for k in 0..<d {
                let v = Array(decomposition.vectors[k * d ..< (k + 1) * d])
                let lambda = decomposition.eigenvalues[k]
                XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-9, "patch \(patch): unit eigenvector \(k)")
                for i in 0..<d {
                    let cv = (0..<d).reduce(0.0) { $0 + covariance[i * d + $1] * v[$1] }
                    XCTAssertEqual(cv, lambda * v[i], accuracy: 1e-9, "patch \(patch): C v = lambda v for vector \(k)")
                }
                let largest = v.indices.max { abs(v[$0]) < abs(v[$1]) }!
                XCTAssertGreaterThan(v[largest], 0, "patch \(patch): sign convention of vector \(k)")
            }
        }
    }

    /// Whitened patch responses (bias 0) have second moments diag(lambda / (lambda + eps)); the
    /// second half of the channels is the negative of the first; eigenvalues descend.
    func testWhiteningProperty() throws {
        let shape = Shape(channels: 3, height: 12, width: 11), count = 60
        let images = Self.correlatedImages(count: count, shape: shape, seed: 90)
        for epsilon in [5e-4, 0.05] {
            let config = WhiteningConfig(size: 2, epsilon: epsilon)
            let layer = try Whitening(context: context, name: "whiten", input: shape, config: config)
            try layer.initialize(fromImages: images, count: count)
            let weight = try layer.weight.value.read()
            XCTAssertEqual(weight, layer.measuredFilters)
            let decomposition = try PatchWhitening.decompose(images: images, count: count, channels: 3, height: 12, width: 11, patch: 2)
            let lambda = decomposition.eigenvalues
            XCTAssertEqual(lambda, lambda.sorted(by: >), "eigenvalues descending")
            XCTAssertGreaterThan(lambda[0], 100 * lambda[11], "the test images must be strongly correlated")
            XCTAssertEqual(weight, try PatchWhitening.filters(images: images, count: count, channels: 3, height: 12, width: 11,
                                                              patch: 2, epsilon: epsilon))

            let zeroBias = [Float](repeating: 0, count: 24)
            let y = try layer.referenceForward(images, batch: count, parameters: [weight, zeroBias], mode: .evaluation).output
            let pixels = layer.outputShape.height * layer.outputShape.width
            var moment = [Double](repeating: 0, count: 12 * 12)
            for n in 0..<count {
                for p in 0..<pixels {
                    for a in 0..<12 {
                        let ya = Double(y[(n * 24 + a) * pixels + p])
                        XCTAssertEqual(y[(n * 24 + 12 + a) * pixels + p], -y[(n * 24 + a) * pixels + p], "channel \(12 + a) = -channel \(a)")
                        for b in 0..<12 { moment[a * 12 + b] += ya * Double(y[(n * 24 + b) * pixels + p]) }
                    }
                }
            }
            for a in 0..<12 {
                for b in 0..<12 {
                    let expected = a == b ? lambda[a] / (lambda[a] + epsilon) : 0
                    XCTAssertEqual(moment[a * 12 + b] / Double(count * pixels), expected, accuracy: 2e-3,
                                   "epsilon \(epsilon): whitened second moment [\(a), \(b)]")
                }
            }
            // Squared filter norms are 1 / (lambda + eps): ascending as the eigenvalues descend.
            let norms = (0..<12).map { k in (0..<12).reduce(0.0) { $0 + Double(weight[k * 12 + $1] * weight[k * 12 + $1]) } }
            for k in 0..<12 { XCTAssertEqual(norms[k], 1 / (lambda[k] + epsilon), accuracy: 1e-4 * norms[k]) }
        }
    }

    /// The measured filters survive a generic initialiser through `reapplyDataInitialization`,
    /// and bad arguments are refused with a message.
    func testInitializationErrorsAndReapply() throws {
        let shape = Shape(channels: 3, height: 8, width: 8)
        let layer = try Whitening(context: context, name: "whiten", input: shape)
        try layer.reapplyDataInitialization()   // nothing measured yet: nothing written
        XCTAssertEqual(try layer.weight.value.read(), [Float](repeating: 0, count: layer.weight.count))
        let images = Self.correlatedImages(count: 5, shape: shape, seed: 5)
        try layer.initialize(fromImages: images, count: 5)
        let measured = try layer.weight.value.read()
        try layer.weight.value.fill(1)
        try layer.reapplyDataInitialization()
        XCTAssertEqual(try layer.weight.value.read(), measured)

        XCTAssertThrowsError(try layer.initialize(fromImages: images, count: 4)) {
            XCTAssertTrue("\($0)".contains("need \(4 * shape.count)"), "\($0)")
        }
        XCTAssertThrowsError(try PatchWhitening.filters(images: images, count: 5, channels: 3, height: 8, width: 8, patch: 9,
                                                        epsilon: 5e-4)) {
            XCTAssertTrue("\($0)".contains("patch size 9"), "\($0)")
        }
        XCTAssertThrowsError(try PatchWhitening.filters(images: images, count: 5, channels: 3, height: 8, width: 8, patch: 2,
                                                        epsilon: -1)) {
            XCTAssertTrue("\($0)".contains("epsilon"), "\($0)")
        }
        var broken = images
        broken[3] = .nan
        XCTAssertThrowsError(try PatchWhitening.filters(images: broken, count: 5, channels: 3, height: 8, width: 8, patch: 2,
                                                        epsilon: 5e-4)) {
            XCTAssertTrue("\($0)".contains("not finite"), "\($0)")
        }
    }

    func testNeedsNoScratch() throws {
        for config in Self.configs {
            for batch in [1, 5] {
                try assertScratchMatchesAllocation({ try Whitening(context: context, name: "whiten", input: Self.shape, config: config) },
                                                   batch: batch, context: context)
            }
            XCTAssertEqual(try Whitening(context: context, name: "whiten", input: Self.shape, config: config).scratchBytes(batch: 100), 0)
        }
    }
}
