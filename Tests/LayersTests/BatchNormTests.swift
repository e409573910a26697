import Layers
import OpenCLRuntime
import XCTest

final class BatchNormTests: XCTestCase {
    let context = LayerTestDevice.context

    /// The training-mode gradient goes through the batch mean and variance.
    func testReferenceGradientsThroughBatchStatistics() {
        var random = SeededGenerator(seed: 4)
        let shape = Shape(channels: 3, height: 3, width: 2)
        let batch = 3, eps: Float = 1e-5
        let x = random.floats(batch * shape.count, in: -2...2)
        let gamma = random.floats(3, in: 0.5...1.5), beta = random.floats(3)
        let weights = random.floats(x.count)
        let stats = BatchNormReference.statistics(x, batch: batch, shape: shape, epsilon: eps)
        let grads = BatchNormReference.backward(x, outputGradient: weights, batch: batch, shape: shape, gamma: gamma,
                                                mean: stats.mean, invstd: stats.invstd, training: true)
        let checker = GradientChecker(step: 1e-3)
        checker.assertPasses(checker.check(x: x, weights: weights, analytic: grads.dx) {
            BatchNormReference.forwardTraining($0, batch: batch, shape: shape, gamma: gamma, beta: beta, epsilon: eps)
        }, "batch norm input (training)")
        checker.assertPasses(checker.check(x: gamma, weights: weights, analytic: grads.dgamma) {
            BatchNormReference.forwardTraining(x, batch: batch, shape: shape, gamma: $0, beta: beta, epsilon: eps)
        }, "batch norm gamma")
        checker.assertPasses(checker.check(x: beta, weights: weights, analytic: grads.dbeta) {
            BatchNormReference.forwardTraining(x, batch: batch, shape: shape, gamma: gamma, beta: $0, epsilon: eps)
        }, "batch norm beta")
        // Evaluation: fixed statistics.
        let mean = random.floats(3), invstd = random.floats(3, in: 0.5...2)
        let eval = BatchNormReference.backward(x, outputGradient: weights, batch: batch, shape: shape, gamma: gamma,
                                               mean: mean, invstd: invstd, training: false)
        checker.assertPasses(checker.check(x: x, weights: weights, analytic: eval.dx) {
            BatchNormReference.normalise($0, batch: batch, shape: shape, mean: mean, invstd: invstd, gamma: gamma, beta: beta)
        }, "batch norm input (evaluation)")
    }

    func testKernelsMatchReferenceOnRandomConfigurations() throws {
        var random = SeededGenerator(seed: 31)
        for trial in 0..<20 {
            let shape = Shape(channels: Int.random(in: 1...13, using: &random), height: [1, 2, 7, 13].randomElement(using: &random)!,
                              width: [1, 3, 7, 13].randomElement(using: &random)!)
            var batch = Int.random(in: 1...4, using: &random)
            if batch * shape.height * shape.width == 1 { batch = 2 }
            let affine = trial % 4 != 3
            let style: KernelStyle = trial % 3 == 0 ? .perPlane : .perElement   // both styles, with and without affine
            try checkKernels(shape: shape, batch: batch, affine: affine, style: style, what: "trial \(trial)", random: &random)
        }
    }

    /// The per-plane kernels take 16 values of a plane at a time, then the rest one by one:
    /// planes below, at and past multiples of 16, with and without affine.
    func testPerPlaneKernelsMatchReferenceOnVectorTails() throws {
        var random = SeededGenerator(seed: 47)
        let planes = [(1, 1), (3, 5), (4, 4), (1, 17), (5, 7), (8, 8), (6, 6), (16, 3)]
        for (index, (height, width)) in planes.enumerated() {
            try checkKernels(shape: Shape(channels: 3, height: height, width: width), batch: 3, affine: index % 2 == 0,
                             style: .perPlane, what: "plane \(height)x\(width)", random: &random)
        }
    }

    /// Training forward and backward (two passes), running statistics and evaluation against the reference.
    private func checkKernels(shape: Shape, batch: Int, affine: Bool, style: KernelStyle, what label: String,
                              random: inout SeededGenerator) throws {
        let momentum = Float.random(in: 0.05...0.5, using: &random)
        let layer = try BatchNorm2D(context: context, name: "bn", input: shape, momentum: momentum, affine: affine, style: style)
        try layer.reserve(batch: batch)
        let c = shape.channels
        let gamma = affine ? random.floats(c, in: 0.5...1.5) : nil
        let beta = affine ? random.floats(c) : nil
        if let gamma, let beta {
            try layer.weight!.value.write(gamma)
            try layer.bias!.value.write(beta)
        }
        var runningMean = random.floats(c), runningVar = random.floats(c, in: 0.5...2)
        try layer.runningMean.write(runningMean)
        try layer.runningVar.write(runningVar)
        // An offset mean makes the variance's cancellation visible if the kernel had it.
        let x = random.floats(batch * shape.count, in: -2...2).map { $0 + 3 }
        let dy = random.floats(x.count)
        let what = "\(label) \(style) \(batch)x\(shape) affine \(affine)"

        let result = try LayerHarness(context: context, layer: layer)
            .forwardBackward(x, outputGradient: dy, batch: batch, mode: .training, backwardPasses: 2)
        let stats = BatchNormReference.statistics(x, batch: batch, shape: shape, epsilon: layer.epsilon)
        assertClose(result.output, BatchNormReference.normalise(x, batch: batch, shape: shape, mean: stats.mean,
                                                                invstd: stats.invstd, gamma: gamma, beta: beta),
                    "training forward \(what)")
        BatchNormReference.updateRunning(mean: &runningMean, variance: &runningVar, statistics: stats,
                                         count: batch * shape.height * shape.width, momentum: momentum)
        assertClose(try layer.runningMean.read(), runningMean, "running mean \(what)")
        assertClose(try layer.runningVar.read(), runningVar, "running var \(what)")
        let grads = BatchNormReference.backward(x, outputGradient: dy, batch: batch, shape: shape, gamma: gamma,
                                                mean: stats.mean, invstd: stats.invstd, training: true)
        assertClose(result.inputGradient, grads.dx, tolerance: Parity.batchNormInputGradient, "training input gradient \(what)")
        if affine {
            assertClose(try layer.weight!.gradient.read(), grads.dgamma.map { 2 * $0 }, "gamma gradient, two passes, \(what)")
            assertClose(try layer.bias!.gradient.read(), grads.dbeta.map { 2 * $0 }, "beta gradient, two passes, \(what)")
        }

        // Evaluation with the running statistics just updated; they must not move.
        let eval = try LayerHarness(context: context, layer: layer)
            .forwardBackward(x, outputGradient: dy, batch: batch, mode: .evaluation)
        let invstd = runningVar.map { 1 / ($0 + layer.epsilon).squareRoot() }
        assertClose(eval.output, BatchNormReference.normalise(x, batch: batch, shape: shape, mean: runningMean,
                                                              invstd: invstd, gamma: gamma, beta: beta),
                    "evaluation forward \(what)")
        assertClose(eval.inputGradient,
                    BatchNormReference.backward(x, outputGradient: dy, batch: batch, shape: shape, gamma: gamma,
                                                mean: runningMean, invstd: invstd, training: false).dx,
                    "evaluation input gradient \(what)")
        assertClose(try layer.runningMean.read(), runningMean, "running mean unchanged by evaluation \(what)")
    }

    func testParametersAndStateAreNamedAndInitialised() throws {
        let layer = try BatchNorm2D(context: context, name: "bn1", input: Shape(channels: 5, height: 4, width: 4))
        XCTAssertEqual(layer.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(layer.parameters.map(\.kind), [.normScale, .normShift])
        XCTAssertEqual(try layer.parameters[0].value.read(), [Float](repeating: 1, count: 5))
        XCTAssertEqual(try layer.parameters[1].value.read(), [Float](repeating: 0, count: 5))
        XCTAssertEqual(layer.state.map(\.name), ["running_mean", "running_var"])
        XCTAssertEqual(layer.state.map(\.shape), [[5], [5]])
        XCTAssertEqual(try layer.state[1].buffer.read(), [Float](repeating: 1, count: 5))
        XCTAssertTrue(try BatchNorm2D(context: context, name: "bn2", input: Shape(channels: 5, height: 4, width: 4),
                                      affine: false).parameters.isEmpty)
    }

    func testTrainingOnOneValuePerChannelIsRejected() throws {
        let layer = try BatchNorm2D(context: context, name: "bn", input: Shape(channels: 4, height: 1, width: 1))
        try layer.reserve(batch: 1)
        XCTAssertThrowsError(try LayerHarness(context: context, layer: layer).forward([1, 2, 3, 4], batch: 1, mode: .training)) {
            XCTAssertTrue("\($0)".contains("bn"), "\($0)")
        }
        XCTAssertNoThrow(try LayerHarness(context: context, layer: layer).forward([1, 2, 3, 4], batch: 1, mode: .evaluation))
    }

    func testScratchBytesMatchAllocation() throws {
        for batch in [1, 9] {
            try assertScratchMatchesAllocation({
                try BatchNorm2D(context: context, name: "bn", input: Shape(channels: 13, height: 7, width: 7))
            }, batch: batch, context: context)
        }
    }
}
