import Layers
import OpenCLRuntime
import XCTest

/// The reference contract of `Layer` and `Loss`: each layer's `referenceForward` and
/// `referenceBackward` give exactly what the `Layers/Reference` functions give for its settings,
/// and agree with the layer's own OpenCL passes within the tolerances of the parity tests.
final class ReferenceContractTests: XCTestCase {
    let context = LayerTestDevice.context

    /// One layer kind: how to build it, and its reference through the `Layers/Reference` functions.
    struct Case {
        var name: String
        var make: (ComputeContext) throws -> Layer
        var mode = Mode.training
        /// The input gradient's tolerance against the device (batch norm's sums in training need 2e-4).
        var inputGradientTolerance: Float = 1e-4
        /// y for (layer, x, parameters, batch).
        var forward: (Layer, [Float], [[Float]], Int) throws -> [Float]
        /// (dx, parameter gradients) for (layer, x, dy, parameters, batch).
        var backward: (Layer, [Float], [Float], [[Float]], Int) throws -> (dx: [Float], parameters: [[Float]])
    }

    static let imageShape = Shape(channels: 3, height: 8, width: 8)
    static let batch = 3

    static func convolution(_ algorithm: ConvAlgorithm, bias: Bool, input: Shape = imageShape) -> Case {
        let config = Conv2DConfig(filters: 5, size: 3, padding: 1, bias: bias)
        return Case(name: "conv \(algorithm) bias \(bias) on \(input)", make: {
            try Conv2D(context: $0, name: "conv", input: input, config: config, gemmTuning: layerTestTuning, algorithm: algorithm)
        }, forward: { layer, x, p, batch in
            try ConvReference(input: layer.inputShape, config: config).forward(x: x, weight: p[0], bias: bias ? p[1] : [], batch: batch)
        }, backward: { layer, x, dy, p, batch in
            let result = try ConvReference(input: layer.inputShape, config: config).backward(x: x, weight: p[0], dy: dy, batch: batch)
            return (result.dx, bias ? [result.dweight, result.dbias] : [result.dweight])
        })
    }

    static func fullyConnected(bias: Bool) -> Case {
        let reference = FullyConnectedReference(inputs: imageShape.count, outputs: 7)
        return Case(name: "fc bias \(bias)", make: {
            try FullyConnected(context: $0, name: "fc", input: imageShape, config: FullyConnectedConfig(outputs: 7, bias: bias),
                               gemmTuning: layerTestTuning)
        }, forward: { _, x, p, batch in
            reference.forward(x: x, weight: p[0], bias: bias ? p[1] : [], batch: batch)
        }, backward: { _, x, dy, p, batch in
            let result = reference.backward(x: x, weight: p[0], dy: dy, batch: batch)
            return (result.dx, bias ? [result.dweight, result.dbias] : [result.dweight])
        })
    }

    static func pooling(_ config: Pool2DConfig) -> [Case] {
        let output = try! config.outputShape(layer: "pool", input: imageShape)
        return [
            Case(name: "max pool", make: { try MaxPool2D(context: $0, name: "max", input: imageShape, config: config) },
                 forward: { _, x, _, batch in
                     PoolReference.maxForward(x, batch: batch, input: imageShape, output: output, config: config).y
                 }, backward: { _, x, dy, _, batch in
                     let argmax = PoolReference.maxForward(x, batch: batch, input: imageShape, output: output, config: config).argmax
                     return (PoolReference.maxBackward(dy, argmax: argmax, batch: batch, input: imageShape, output: output), [])
                 }),
            Case(name: "average pool", make: { try AvgPool2D(context: $0, name: "avg", input: imageShape, config: config) },
                 forward: { _, x, _, batch in
                     PoolReference.avgForward(x, batch: batch, input: imageShape, output: output, config: config)
                 }, backward: { _, _, dy, _, batch in
                     (PoolReference.avgBackward(dy, batch: batch, input: imageShape, output: output, config: config), [])
                 }),
            Case(name: "global average pool", make: { try GlobalAvgPool(context: $0, name: "gap", input: imageShape) },
                 forward: { _, x, _, batch in PoolReference.globalAvgForward(x, batch: batch, input: imageShape) },
                 backward: { _, _, dy, _, batch in (PoolReference.globalAvgBackward(dy, batch: batch, input: imageShape), []) }),
        ]
    }

    static func activation(_ kind: ActivationKind) -> Case {
        Case(name: "activation \(kind)", make: { try Activation(context: $0, name: "act", input: imageShape, kind: kind) },
             forward: { _, x, _, _ in ActivationReference.forward(x, kind: kind) },
             backward: { _, x, dy, _, _ in (ActivationReference.backward(x, outputGradient: dy, kind: kind), []) })
    }

    static func batchNorm(affine: Bool, mode: Mode) -> Case {
        /// Training: the batch's statistics; evaluation: the running ones the test writes to the layer.
        func statistics(_ layer: Layer, _ x: [Float], _ batch: Int) throws -> (mean: [Float], invstd: [Float]) {
            let norm = layer as! BatchNorm2D
            guard mode == .training else {
                return (try norm.runningMean.read(), try norm.runningVar.read().map { 1 / ($0 + norm.epsilon).squareRoot() })
            }
            let stats = BatchNormReference.statistics(x, batch: batch, shape: imageShape, epsilon: norm.epsilon)
            return (stats.mean, stats.invstd)
        }
        return Case(name: "batch norm affine \(affine) \(mode)", make: { context in
            let layer = try BatchNorm2D(context: context, name: "bn", input: imageShape, affine: affine)
            var random = SeededGenerator(seed: 77)
            try layer.runningMean.write(random.floats(imageShape.channels))
            try layer.runningVar.write(random.floats(imageShape.channels, in: 0.5...2))
            return layer
        }, mode: mode, inputGradientTolerance: 2e-4, forward: { layer, x, p, batch in
            let (mean, invstd) = try statistics(layer, x, batch)
            return BatchNormReference.normalise(x, batch: batch, shape: imageShape, mean: mean, invstd: invstd,
                                                gamma: affine ? p[0] : nil, beta: affine ? p[1] : nil)
        }, backward: { layer, x, dy, p, batch in
            let (mean, invstd) = try statistics(layer, x, batch)
            let result = BatchNormReference.backward(x, outputGradient: dy, batch: batch, shape: imageShape, gamma: affine ? p[0] : nil,
                                                     mean: mean, invstd: invstd, training: mode == .training)
            return (result.dx, affine ? [result.dgamma, result.dbeta] : [])
        })
    }

    static func dropout(mode: Mode) -> Case {
        let probability: Float = 0.4, seed: UInt64 = 1234, step = 17
        func mask(_ count: Int) -> [Bool] { DropoutReference.mask(count: count, seed: seed, step: step, probability: probability) }
        return Case(name: "dropout \(mode)", make: { context in
            let layer = try Dropout(context: context, name: "drop", input: imageShape, probability: probability)
            layer.prepare(step: step, seed: seed)
            return layer
        }, mode: mode, forward: { _, x, _, _ in
            mode == .training ? DropoutReference.apply(x, mask: mask(x.count), probability: probability) : x
        }, backward: { _, _, dy, _, _ in
            (mode == .training ? DropoutReference.apply(dy, mask: mask(dy.count), probability: probability) : dy, [])
        })
    }

    /// Every layer kind, each conv algorithm, with and without optional parameters, both modes where they differ.
    static var allCases: [Case] {
        ConvAlgorithm.allCases.flatMap { [convolution($0, bias: true), convolution($0, bias: false)] }
            + [convolution(.cpuImplicit, bias: true, input: Shape(channels: 3, height: 7, width: 7))]   // its rows kernels
            + [fullyConnected(bias: true), fullyConnected(bias: false)]
            + pooling(Pool2DConfig(size: 3, stride: 2, padding: 1, rounding: .floor))
            + ActivationKind.allCases.map(activation)
            + [batchNorm(affine: true, mode: .training), batchNorm(affine: false, mode: .training),
               batchNorm(affine: true, mode: .evaluation)]
            + [dropout(mode: .training), dropout(mode: .evaluation)]
    }

    func testReferenceContractMatchesReferenceFunctionsAndDevice() throws {
        var random = SeededGenerator(seed: 2025)
        let batch = Self.batch
        for item in Self.allCases {
            let layer = try item.make(context)
            let parameters = layer.parameters.map { random.floats($0.count, in: 0.5...1.5) }
            for (parameter, values) in zip(layer.parameters, parameters) { try parameter.value.write(values) }
            let x = random.floats(batch * layer.inputShape.count)
            let dy = random.floats(batch * layer.outputShape.count)

            let pass = try layer.referenceForward(x, batch: batch, parameters: parameters, mode: item.mode)
            let gradients = try layer.referenceBackward(pass, outputGradient: dy, parameters: parameters)
            XCTAssertEqual(pass.input, x, item.name)
            XCTAssertEqual(pass.batch, batch, item.name)
            XCTAssertEqual(pass.output, try item.forward(layer, x, parameters, batch), "\(item.name): reference forward")
            let expected = try item.backward(layer, x, dy, parameters, batch)
            XCTAssertEqual(gradients.input, expected.dx, "\(item.name): reference input gradient")
            XCTAssertEqual(gradients.parameters, expected.parameters, "\(item.name): reference parameter gradients")

            try layer.reserve(batch: batch)
            let device = try LayerHarness(context: context, layer: layer)
                .forwardBackward(x, outputGradient: dy, batch: batch, mode: item.mode)
            assertClose(device.output, pass.output, "\(item.name): device forward")
            assertClose(device.inputGradient, gradients.input, tolerance: item.inputGradientTolerance, "\(item.name): device input gradient")
            for (parameter, gradient) in zip(layer.parameters, gradients.parameters) {
                assertClose(try parameter.gradient.read(), gradient, "\(item.name): device gradient of \(parameter.name)")
            }
        }
    }

    func testReferenceRejectsWrongSizesAndForeignPasses() throws {
        let conv = try Self.convolution(.tiledGemm, bias: true).make(context)
        let x = [Float](repeating: 0.5, count: 2 * conv.inputShape.count)
        XCTAssertThrowsError(try conv.referenceForward(x, batch: 2, parameters: [], mode: .training)) {
            XCTAssertTrue("\($0)".contains("[\"weight\", \"bias\"]"), "\($0)")
        }
        XCTAssertThrowsError(try conv.referenceForward(x, batch: 3, parameters: conv.parameters.map { [Float](repeating: 0, count: $0.count) },
                                                       mode: .training)) {
            XCTAssertTrue("\($0)".contains("batch of 3"), "\($0)")
        }
        let pool = try MaxPool2D(context: context, name: "max", input: Self.imageShape, config: Pool2DConfig(size: 2, stride: 2))
        let activation = try Activation(context: context, name: "act", input: Self.imageShape, kind: .relu)
        let foreign = try activation.referenceForward(x, batch: 2, parameters: [], mode: .training)
        XCTAssertThrowsError(try pool.referenceBackward(foreign, outputGradient: foreign.output, parameters: [])) {
            XCTAssertTrue("\($0)".contains("referenceForward"), "\($0)")
        }
    }

    func testLossReferenceUsesTheLossSettings() throws {
        var random = SeededGenerator(seed: 3)
        let classes = 7, scores = random.floats(4 * classes, in: -3...3)
        let labels: [Int32] = [0, 6, 3, 3]
        let softmax = try SoftmaxCrossEntropy(context: context, classes: classes, labelSmoothing: 0.1)
        let svm = try MulticlassSVM(context: context, classes: classes, margin: 0.5)
        let expected = [LossReference.softmaxCrossEntropy(scores: scores, labels: labels, classes: classes, labelSmoothing: 0.1),
                        LossReference.multiclassSVM(scores: scores, labels: labels, classes: classes, margin: 0.5)]
        for (loss, expected) in zip([softmax, svm] as [Loss], expected) {
            let result = loss.reference(scores: scores, labels: labels)
            XCTAssertEqual(result.losses, expected.losses, "\(type(of: loss))")
            XCTAssertEqual(result.correct, expected.correct, "\(type(of: loss))")
            XCTAssertEqual(result.gradient, expected.gradient, "\(type(of: loss))")
        }
    }

    /// reserve(batch:) allocates exactly scratchRequests(batch:), for every layer kind and conv
    /// algorithm, also when a second, larger reserve replaces the first (chunked and not).
    func testReserveAllocatesExactlyTheScratchRequests() throws {
        for item in Self.allCases {
            for batch in [1, 5] {
                try assertScratchMatchesAllocation({ try item.make(context) }, batch: batch, context: context)
            }
            for chunked in [false, true] {
                let layer = try item.make(context)
                if chunked, let conv = layer as? Conv2D { conv.chunkBudgetBytes = conv.scratchBytes(batch: 1) * 2 }
                let before = context.memory.bytesInUse
                try layer.reserve(batch: 2)
                try layer.reserve(batch: 7)
                XCTAssertEqual(context.memory.bytesInUse - before, layer.scratchRequests(batch: 7).totalBytes,
                               "\(item.name) chunked \(chunked): reserve 2 then 7")
            }
        }
    }
}
