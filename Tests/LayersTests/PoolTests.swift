import Layers
import OpenCLRuntime
import XCTest

final class PoolTests: XCTestCase {
    let context = LayerTestDevice.context

    func testReferenceGradientsOfMaxAndAveragePooling() {
        var random = SeededGenerator(seed: 11)
        let input = Shape(channels: 2, height: 7, width: 7)
        let checker = GradientChecker()
        for config in [Pool2DConfig(size: 3, stride: 2, padding: 1), Pool2DConfig(size: 2, stride: 2, rounding: .ceil)] {
            let output = try! config.outputShape(layer: "pool", input: input)
            let batch = 2
            let x = random.floats(batch * input.count)
            let weights = random.floats(batch * output.count)
            let (_, argmax) = PoolReference.maxForward(x, batch: batch, input: input, output: output, config: config)
            let maxGradient = PoolReference.maxBackward(weights, argmax: argmax, batch: batch, input: input, output: output)
            checker.assertPasses(checker.check(x: x, weights: weights, analytic: maxGradient) {
                PoolReference.maxForward($0, batch: batch, input: input, output: output, config: config).y
            }, "max pool \(config)")
            let avgGradient = PoolReference.avgBackward(weights, batch: batch, input: input, output: output, config: config)
            checker.assertPasses(checker.check(x: x, weights: weights, analytic: avgGradient) {
                PoolReference.avgForward($0, batch: batch, input: input, output: output, config: config)
            }, "average pool \(config)")
        }
        let x = random.floats(2 * input.count)
        let weights = random.floats(2 * input.channels)
        checker.assertPasses(checker.check(x: x, weights: weights,
                                           analytic: PoolReference.globalAvgBackward(weights, batch: 2, input: input)) {
            PoolReference.globalAvgForward($0, batch: 2, input: input)
        }, "global average pool")
    }

    /// A random configuration: odd and even sizes, stride 1 to 3, padding up to half the window, any rounding.
    func randomConfiguration(_ random: inout SeededGenerator) -> (Shape, Pool2DConfig, Shape, Int) {
        while true {
            let size = Int.random(in: 1...4, using: &random)
            let config = Pool2DConfig(size: size, stride: Int.random(in: 1...3, using: &random),
                                      padding: Int.random(in: 0...(size / 2), using: &random),
                                      rounding: [Rounding.exact, .floor, .ceil].randomElement(using: &random)!)
            let input = Shape(channels: [1, 3, 5, 6].randomElement(using: &random)!,
                              height: [4, 7, 8, 13].randomElement(using: &random)!,
                              width: [3, 7, 13].randomElement(using: &random)!)
            if let output = try? config.outputShape(layer: "pool", input: input) {
                return (input, config, output, [1, 2, 3].randomElement(using: &random)!)
            }
        }
    }

    func testKernelsMatchReferenceOnRandomConfigurations() throws {
        var random = SeededGenerator(seed: 2024)
        // The cases the random draw must not miss, then 20 drawn ones.
        let fixed: [(Shape, Pool2DConfig, Int)] = [
            (Shape(channels: 3, height: 7, width: 7), Pool2DConfig(size: 3, stride: 2, padding: 1), 1),
            (Shape(channels: 5, height: 13, width: 13), Pool2DConfig(size: 2, stride: 2, rounding: .ceil), 2),
            (Shape(channels: 7, height: 13, width: 7), Pool2DConfig(size: 3, stride: 2, rounding: .floor), 1),
            (Shape(channels: 6, height: 8, width: 13), Pool2DConfig(size: 3, stride: 2, padding: 1, rounding: .ceil), 3),
        ]
        for trial in 0..<(fixed.count + 20) {
            let (input, config, output, batch) = trial < fixed.count
                ? (fixed[trial].0, fixed[trial].1, try fixed[trial].1.outputShape(layer: "pool", input: fixed[trial].0), fixed[trial].2)
                : randomConfiguration(&random)
            let what = "trial \(trial): \(batch)x\(input) \(config) -> \(output)"
            // Quantised values make ties common, so the tie rule is exercised too.
            let x = random.floats(batch * input.count).map { ($0 * 4).rounded() / 4 }
            let dy = random.floats(batch * output.count)

            for style in KernelStyle.allCases {
                let maxPool = try MaxPool2D(context: context, name: "max", input: input, config: config, style: style)
                try maxPool.reserve(batch: batch)
                let maxResult = try LayerHarness(context: context, layer: maxPool)
                    .forwardBackward(x, outputGradient: dy, batch: batch, mode: .training)
                let (maxY, argmax) = PoolReference.maxForward(x, batch: batch, input: input, output: output, config: config)
                assertClose(maxResult.output, maxY, "max forward \(style) \(what)")
                assertClose(maxResult.inputGradient,
                            PoolReference.maxBackward(dy, argmax: argmax, batch: batch, input: input, output: output),
                            "max backward \(style) \(what)")

                let avgPool = try AvgPool2D(context: context, name: "avg", input: input, config: config, style: style)
                let avgResult = try LayerHarness(context: context, layer: avgPool)
                    .forwardBackward(x, outputGradient: dy, batch: batch, mode: .training)
                assertClose(avgResult.output, PoolReference.avgForward(x, batch: batch, input: input, output: output, config: config),
                            "avg forward \(style) \(what)")
                assertClose(avgResult.inputGradient,
                            PoolReference.avgBackward(dy, batch: batch, input: input, output: output, config: config),
                            "avg backward \(style) \(what)")
            }

            let global = try GlobalAvgPool(context: context, name: "global", input: input,
                                           style: trial % 2 == 0 ? .perPlane : .perElement)
            let globalDy = random.floats(batch * input.channels)
            let globalResult = try LayerHarness(context: context, layer: global)
                .forwardBackward(x, outputGradient: globalDy, batch: batch, mode: .training)
            assertClose(globalResult.output, PoolReference.globalAvgForward(x, batch: batch, input: input), "global forward \(what)")
            assertClose(globalResult.inputGradient, PoolReference.globalAvgBackward(globalDy, batch: batch, input: input),
                        "global backward \(what)")
        }
    }

    func testGlobalAveragePoolOfLargePlanes() throws {
        var random = SeededGenerator(seed: 5)
        let input = Shape(channels: 3, height: 17, width: 19)   // more values per plane than work-items
        let x = random.floats(2 * input.count)
        for style in KernelStyle.allCases {
            let layer = try GlobalAvgPool(context: context, name: "global", input: input, style: style)
            assertClose(try LayerHarness(context: context, layer: layer).forward(x, batch: 2, mode: .evaluation),
                        PoolReference.globalAvgForward(x, batch: 2, input: input), "global forward 17x19 \(style)")
        }
    }

    func testPoolWhoseOutputIsNotAnIntegerIsRejectedWithTheNumbers() {
        let input = Shape(channels: 3, height: 8, width: 7)
        XCTAssertThrowsError(try MaxPool2D(context: context, name: "pool1", input: input, config: Pool2DConfig(size: 2, stride: 2))) {
            let text = "\($0)"
            XCTAssertTrue(text.contains("pool1") && text.contains("(7 - 2 + 2*0)/2 + 1") && text.contains("3.5"), text)
        }
        XCTAssertThrowsError(try AvgPool2D(context: context, name: "pool2", input: input, config: Pool2DConfig(size: 3, stride: 2))) {
            XCTAssertTrue("\($0)".contains("pool2"), "\($0)")
        }
        XCTAssertNoThrow(try MaxPool2D(context: context, name: "floor", input: input,
                                       config: Pool2DConfig(size: 2, stride: 2, rounding: .floor)))
        XCTAssertEqual(try MaxPool2D(context: context, name: "ceil", input: input,
                                     config: Pool2DConfig(size: 2, stride: 2, rounding: .ceil)).outputShape,
                       Shape(channels: 3, height: 4, width: 4))
        XCTAssertThrowsError(try MaxPool2D(context: context, name: "pad", input: input, config: Pool2DConfig(size: 2, stride: 1, padding: 2)))
    }

    func testScratchBytesMatchAllocation() throws {
        let input = Shape(channels: 5, height: 13, width: 13)
        let config = Pool2DConfig(size: 3, stride: 2, padding: 1)
        for batch in [1, 7] {
            try assertScratchMatchesAllocation({ try MaxPool2D(context: context, name: "max", input: input, config: config) },
                                               batch: batch, context: context)
            try assertScratchMatchesAllocation({ try AvgPool2D(context: context, name: "avg", input: input, config: config) },
                                               batch: batch, context: context)
            try assertScratchMatchesAllocation({ try GlobalAvgPool(context: context, name: "global", input: input) },
                                               batch: batch, context: context)
        }
    }
}
