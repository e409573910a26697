import Layers
import OpenCLRuntime
import XCTest

final class DropoutTests: XCTestCase {
    let context = LayerTestDevice.context

    func testReferenceGradientWithFixedMask() {
        var random = SeededGenerator(seed: 8)
        let x = random.floats(200)
        let weights = random.floats(200)
        let mask = DropoutReference.mask(count: 200, seed: 42, step: 3, probability: 0.4)
        let checker = GradientChecker()
        checker.assertPasses(checker.check(x: x, weights: weights,
                                           analytic: DropoutReference.apply(weights, mask: mask, probability: 0.4)) {
            DropoutReference.apply($0, mask: mask, probability: 0.4)
        }, "dropout")
    }

    func testKernelMatchesReferenceOnRandomConfigurations() throws {
        var random = SeededGenerator(seed: 99)
        for trial in 0..<20 {
            let shape = Shape(channels: Int.random(in: 1...13, using: &random), height: [1, 7, 13].randomElement(using: &random)!,
                              width: [1, 7, 13].randomElement(using: &random)!)
            let batch = Int.random(in: 1...4, using: &random)
            let p = [0, 0.1, 0.5, 0.77].randomElement(using: &random)!
            let layer = try Dropout(context: context, name: "drop", input: shape, probability: Float(p))
            layer.seed = random.next()
            layer.step = Int.random(in: 0...100_000, using: &random)
            let x = random.floats(batch * shape.count)
            let dy = random.floats(batch * shape.count)
            let result = try LayerHarness(context: context, layer: layer)
                .forwardBackward(x, outputGradient: dy, batch: batch, mode: .training)
            let mask = DropoutReference.mask(count: x.count, seed: layer.seed, step: layer.step, probability: Float(p))
            let what = "trial \(trial) p \(p) \(batch)x\(shape)"
            assertClose(result.output, DropoutReference.apply(x, mask: mask, probability: Float(p)), "forward \(what)")
            assertClose(result.inputGradient, DropoutReference.apply(dy, mask: mask, probability: Float(p)), "backward \(what)")
        }
    }

    func testEvaluationIsIdentity() throws {
        let shape = Shape(channels: 3, height: 5, width: 5)
        var random = SeededGenerator(seed: 1)
        let x = random.floats(2 * shape.count)
        let layer = try Dropout(context: context, name: "drop", input: shape, probability: 0.5)
        let result = try LayerHarness(context: context, layer: layer).forwardBackward(x, outputGradient: x, batch: 2, mode: .evaluation)
        XCTAssertEqual(result.output, x)
        XCTAssertEqual(result.inputGradient, x)
    }

    func testMasksAreReproducibleAndKeepOneMinusP() throws {
        let shape = Shape(channels: 16, height: 32, width: 32)
        let batch = 8, p: Float = 0.3
        let x = [Float](repeating: 1, count: batch * shape.count)
        let layer = try Dropout(context: context, name: "drop", input: shape, probability: p)
        let harness = LayerHarness(context: context, layer: layer)
        layer.seed = 1234
        layer.step = 17
        let first = try harness.forward(x, batch: batch, mode: .training)
        let again = try harness.forward(x, batch: batch, mode: .training)
        XCTAssertEqual(first, again, "same seed and step")
        let other = try Dropout(context: context, name: "drop2", input: shape, probability: p)
        other.seed = 1234
        other.step = 17
        XCTAssertEqual(try LayerHarness(context: context, layer: other).forward(x, batch: batch, mode: .training), first,
                       "a fresh layer with the same seed and step")
        layer.step = 18
        let nextStep = try harness.forward(x, batch: batch, mode: .training)
        XCTAssertNotEqual(nextStep, first, "another step")
        let kept = Double(first.filter { $0 != 0 }.count) / Double(first.count)
        print("dropout p \(p): kept fraction \(kept) over \(first.count) values")
        XCTAssertEqual(kept, 1 - Double(p), accuracy: 0.005)
        XCTAssertEqual(first.first { $0 != 0 } ?? 0, 1 / (1 - p), accuracy: 1e-6)
        let agreement = zip(first, nextStep).filter { ($0 != 0) == ($1 != 0) }.count
        XCTAssertEqual(Double(agreement) / Double(first.count), 0.7 * 0.7 + 0.3 * 0.3, accuracy: 0.01, "masks of two steps are independent")
    }

    func testInvalidProbabilityIsRejected() {
        let shape = Shape(channels: 1, height: 1, width: 1)
        XCTAssertThrowsError(try Dropout(context: context, name: "d", input: shape, probability: 1))
        XCTAssertThrowsError(try Dropout(context: context, name: "d", input: shape, probability: -0.1))
    }

    func testScratchBytesMatchAllocation() throws {
        try assertScratchMatchesAllocation({
            try Dropout(context: context, name: "drop", input: Shape(channels: 3, height: 7, width: 7), probability: 0.5)
        }, batch: 5, context: context)
    }
}
