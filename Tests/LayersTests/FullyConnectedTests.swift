import Layers
import OpenCLRuntime
import XCTest

/// FullyConnected on the OpenCL device against the OpenBLAS CPU reference (assertClose, 1e-4 relative).
final class FullyConnectedTests: XCTestCase {
    var context: ComputeContext!

    override func setUpWithError() throws {
        context = try makeTestContext()
    }

    func testMatchesReference() throws {
        var random = SeededGenerator(seed: 99)
        var cases: [(Shape, FullyConnectedConfig, Int)] = [
            (Shape(channels: 1, height: 1, width: 1), FullyConnectedConfig(outputs: 1), 1),
            (Shape(channels: 3, height: 5, width: 5), FullyConnectedConfig(outputs: 10), 7),
            (Shape(channels: 64, height: 4, width: 4), FullyConnectedConfig(outputs: 65, bias: false), 13),
        ]
        while cases.count < 22 {
            let shape = Shape(channels: Int.random(in: 1...17, using: &random), height: Int.random(in: 1...5, using: &random),
                              width: Int.random(in: 1...5, using: &random))
            cases.append((shape, FullyConnectedConfig(outputs: Int.random(in: 1...70, using: &random), bias: Bool.random(using: &random)),
                          Int.random(in: 1...9, using: &random)))
        }
        // cifar10-quick's two layers at batch 100, and a batch and widths off every block of fc_cpu.cl.
        cases += [(Shape(channels: 64, height: 4, width: 4), FullyConnectedConfig(outputs: 64), 100),
                  (Shape(channels: 64, height: 1, width: 1), FullyConnectedConfig(outputs: 10), 100),
                  (Shape(channels: 75, height: 1, width: 1), FullyConnectedConfig(outputs: 9), 6)]
        for (input, config, batch) in cases {
            for style in KernelStyle.allCases {
                let label = "\(config) on \(input) batch \(batch) \(style)"
                let layer = try FullyConnected(context: context, name: "fc", input: input, config: config, gemmTuning: layerTestTuning,
                                               style: style)
                XCTAssertEqual(layer.kernelVariant.name, style == .perPlane ? "cpu-rows" : "gemm " + KernelVariant.describe(layerTestTuning))
                XCTAssertEqual(layer.outputShape, Shape(channels: config.outputs, height: 1, width: 1))
                XCTAssertEqual(layer.weight.shape, [config.outputs, input.count])
                let reference = FullyConnectedReference(inputs: input.count, outputs: config.outputs)
                let x = random.floats(batch * input.count), w = random.floats(layer.weight.count)
                let b = config.bias ? random.floats(config.outputs) : []
                let dy = random.floats(batch * config.outputs)
                try layer.weight.value.write(w)
                if let bias = layer.bias { try bias.value.write(b) }
                let xBuffer = try context.buffer(x), dyBuffer = try context.buffer(dy)
                let yBuffer = try context.buffer(Float.self, count: batch * config.outputs)
                let dxBuffer = try context.buffer(Float.self, count: x.count)
                try dxBuffer.fill(.nan)
                try layer.forward(xBuffer, into: yBuffer, batch: batch, mode: .training)
                assertClose(try yBuffer.read(), reference.forward(x: x, weight: w, bias: b, batch: batch), "forward \(label)")
                let expected = reference.backward(x: x, weight: w, dy: dy, batch: batch)
                for pass in 1...2 {
                    try layer.backward(input: xBuffer, output: yBuffer, outputGradient: dyBuffer, inputGradient: dxBuffer, batch: batch)
                    assertClose(try dxBuffer.read(), expected.dx, "input gradient \(label)")
                    assertClose(try layer.weight.gradient.read(), expected.dweight.map { $0 * Float(pass) }, "weight gradient pass \(pass) \(label)")
                    if let bias = layer.bias {
                        assertClose(try bias.gradient.read(), expected.dbias.map { $0 * Float(pass) }, "bias gradient pass \(pass) \(label)")
                    }
                }
                XCTAssertEqual(try dyBuffer.read(), dy, "the output gradient was changed by backward \(label)")
            }
        }
        XCTAssertEqual(try FullyConnected(context: context, name: "fc", input: Shape(channels: 2, height: 3, width: 3),
                                          config: FullyConnectedConfig(outputs: 4)).scratchBytes(batch: 10), 0)
    }

    /// A scale on the outputs (airbench's logits / 9): y = s (W x + b), every gradient times s,
    /// on the device and in the layer's reference.
    func testOutputScale() throws {
        for style in KernelStyle.allCases { try checkOutputScale(style: style) }
    }

    private func checkOutputScale(style: KernelStyle) throws {
        var random = SeededGenerator(seed: 7)
        let input = Shape(channels: 6, height: 2, width: 2), batch = 5, s: Float = 1.0 / 9
        let layer = try FullyConnected(context: context, name: "fc", input: input,
                                       config: FullyConnectedConfig(outputs: 10, bias: true, scale: s), gemmTuning: layerTestTuning, style: style)
        let reference = FullyConnectedReference(inputs: input.count, outputs: 10)
        let x = random.floats(batch * input.count), w = random.floats(layer.weight.count), b = random.floats(10)
        let dy = random.floats(batch * 10)
        try layer.weight.value.write(w)
        try layer.bias!.value.write(b)
        let xBuffer = try context.buffer(x), dyBuffer = try context.buffer(dy)
        let yBuffer = try context.buffer(Float.self, count: batch * 10), dxBuffer = try context.buffer(Float.self, count: x.count)
        try layer.reserve(batch: batch)
        try layer.forward(xBuffer, into: yBuffer, batch: batch, mode: .training)
        let unscaled = reference.forward(x: x, weight: w, bias: b, batch: batch)
        assertClose(try yBuffer.read(), unscaled.map { $0 * s }, "scaled forward")
        try layer.backward(input: xBuffer, output: yBuffer, outputGradient: dyBuffer, inputGradient: dxBuffer, batch: batch)
        let expected = reference.backward(x: x, weight: w, dy: dy.map { $0 * s }, batch: batch)
        assertClose(try dxBuffer.read(), expected.dx, "scaled input gradient")
        assertClose(try layer.weight.gradient.read(), expected.dweight, "scaled weight gradient")
        assertClose(try layer.bias!.gradient.read(), expected.dbias, "scaled bias gradient")
        // The layer contract: the output gradient is read, never rewritten (a residual block
        // hands the same one to two paths).
        XCTAssertEqual(try dyBuffer.read(), dy, "the output gradient was changed by backward")
        try assertScratchMatchesAllocation({
            try FullyConnected(context: context, name: "fc", input: input, config: FullyConnectedConfig(outputs: 10, scale: s), style: style)
        }, batch: batch, context: context)
        let pass = try layer.referenceForward(x, batch: batch, parameters: [w, b], mode: .training)
        assertClose(pass.output, unscaled.map { $0 * s }, "reference forward")
        let back = try layer.referenceBackward(pass, outputGradient: dy, parameters: [w, b])
        assertClose(back.input, expected.dx, "reference input gradient")
        XCTAssertThrowsError(try FullyConnected(context: context, name: "fc", input: input,
                                                config: FullyConnectedConfig(outputs: 10, scale: 0))) { error in
            XCTAssertTrue("\(error)".contains("scale"), "\(error)")
        }
    }
}
