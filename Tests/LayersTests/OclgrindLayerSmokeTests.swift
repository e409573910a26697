import Layers
import OpenCLRuntime
import XCTest

/// Every kernel of the layer families once on tiny shapes, for running under oclgrind:
///
///     CONVEYOR_TEST_DEVICE=0 oclgrind --data-races --check-api \
///         .build/debug/ConveyorPackageTests.xctest LayersTests.OclgrindSmokeTests
///
/// (under oclgrind its simulator is device 0, the only one). The results are
/// also held against the references, so the tests mean something on an ordinary device too.
final class OclgrindLayerSmokeTests: XCTestCase {
    let context = LayerTestDevice.context

    override class func setUp() {
        print("oclgrind smoke tests on \(LayerTestDevice.context.device.name)")
    }

    func testPoolKernels() throws {
        var random = SeededGenerator(seed: 1)
        let input = Shape(channels: 2, height: 5, width: 5)
        let config = Pool2DConfig(size: 3, stride: 2, padding: 1, rounding: .ceil)
        let x = random.floats(2 * input.count)
        var layers: [Layer] = []
        for style in KernelStyle.allCases {
            let maxPool = try MaxPool2D(context: context, name: "max \(style)", input: input, config: config, style: style)
            try maxPool.reserve(batch: 2)
            layers += [maxPool, try AvgPool2D(context: context, name: "avg \(style)", input: input, config: config, style: style),
                       try GlobalAvgPool(context: context, name: "global \(style)", input: input, style: style)]
        }
        for layer in layers {
            let result = try LayerHarness(context: context, layer: layer)
                .forwardBackward(x, outputGradient: random.floats(2 * layer.outputShape.count), batch: 2, mode: .training)
            XCTAssertFalse(result.inputGradient.contains { $0.isNaN }, layer.name)
        }
    }

    /// residual.cl's sum and accumulate: 2 x 5 x 7 x 7 values, so one work-item takes a full
    /// 64-value vector and another the tail; the projection shortcut runs the accumulate.
    func testResidualKernels() throws {
        var random = SeededGenerator(seed: 6)
        let input = Shape(channels: 5, height: 7, width: 7)
        let conv = try Conv2D(context: context, name: "b.conv1", input: input, config: Conv2DConfig(filters: 5, size: 1))
        let projection = try Conv2D(context: context, name: "b.shortcut.conv1", input: input,
                                    config: Conv2DConfig(filters: 5, size: 1, bias: false))
        for shortcut in [[], [projection]] as [[Layer]] {
            let block = try ResidualBlock(context: context, name: "b", input: input, body: [conv], shortcut: shortcut)
            try block.reserve(batch: 2)
            let x = random.floats(2 * input.count)
            let result = try LayerHarness(context: context, layer: block)
                .forwardBackward(x, outputGradient: random.floats(2 * block.outputShape.count), batch: 2, mode: .training)
            XCTAssertFalse(result.inputGradient.contains { $0.isNaN }, "shortcut of \(shortcut.count) layers")
        }
    }

    func testActivationKernels() throws {
        var random = SeededGenerator(seed: 2)
        let shape = Shape(channels: 3, height: 3, width: 3)
        for kind in ActivationKind.allCases {
            let x = random.floats(2 * shape.count), dy = random.floats(2 * shape.count)
            let layer = try Activation(context: context, name: "act", input: shape, kind: kind)
            let result = try LayerHarness(context: context, layer: layer).forwardBackward(x, outputGradient: dy, batch: 2, mode: .training)
            assertClose(result.inputGradient, ActivationReference.backward(x, outputGradient: dy, kind: kind), "\(kind)")
        }
    }

    func testBatchNormKernels() throws {
        var random = SeededGenerator(seed: 3)
        let shape = Shape(channels: 3, height: 2, width: 3)
        let x = random.floats(2 * shape.count), dy = random.floats(2 * shape.count)
        for style in KernelStyle.allCases {
            let layer = try BatchNorm2D(context: context, name: "bn", input: shape, style: style)
            try layer.reserve(batch: 2)
            let harness = LayerHarness(context: context, layer: layer)
            for mode in [Mode.training, .evaluation] {
                let result = try harness.forwardBackward(x, outputGradient: dy, batch: 2, mode: mode)
                XCTAssertFalse(result.inputGradient.contains { $0.isNaN }, "\(mode) \(style)")
            }
        }
    }

    func testDropoutKernel() throws {
        var random = SeededGenerator(seed: 4)
        let shape = Shape(channels: 2, height: 3, width: 3)
        let layer = try Dropout(context: context, name: "drop", input: shape, probability: 0.5)
        layer.seed = 9
        let x = random.floats(2 * shape.count)
        let result = try LayerHarness(context: context, layer: layer).forwardBackward(x, outputGradient: x, batch: 2, mode: .training)
        let mask = DropoutReference.mask(count: x.count, seed: 9, step: 0, probability: 0.5)
        assertClose(result.output, DropoutReference.apply(x, mask: mask, probability: 0.5), "dropout")
    }

    func testLossKernels() throws {
        var random = SeededGenerator(seed: 5)
        let classes = 5, batch = 3
        let scores = try context.buffer(random.floats(batch * classes), label: "scores")
        let labels = try context.buffer([Int32(0), 4, 2], label: "labels")
        let gradient = try context.buffer(Float.self, count: batch * classes, label: "gradient")
        let losses = try context.buffer(Float.self, count: batch, label: "losses")
        let correct = try context.buffer(Int32.self, count: batch, label: "correct")
        let all: [Loss] = [try SoftmaxCrossEntropy(context: context, classes: classes, labelSmoothing: 0.1),
                           try MulticlassSVM(context: context, classes: classes)]
        for loss in all {
            try loss.forwardBackward(scores: scores, labels: labels, batch: batch, scoreGradient: gradient, losses: losses, correct: correct)
            try loss.evaluate(scores: scores, labels: labels, batch: batch, losses: losses, correct: correct)
            XCTAssertFalse(try losses.read().contains { $0.isNaN })
        }
    }

    func testSGDKernel() throws {
        let parameter = try Parameter(context: context, layer: "fc", name: "weight", shape: [3, 5], kind: .weight, fanIn: 5, fanOut: 3)
        try parameter.gradient.fill(1)
        let momentum = try context.buffer(Float.self, count: 15, label: "momentum")
        try momentum.fill(0)
        try SGDUpdate(context: context).apply(to: parameter, momentum: momentum,
                                              settings: SGDSettings(stepSize: 0.5, momentum: 0.9, nesterov: true))
        XCTAssertEqual(try parameter.value.read(), [Float](repeating: -0.5 * 1.9, count: 15))
    }
}
