import Foundation
import Layers
import Model
import OpenCLRuntime
import XCTest
@testable import Training

/// The network's backward with gradients in shared buffers against the same layers run with a
/// buffer of its own for every gradient (the allocation before sharing): the same parameter
/// gradients, bit for bit.
final class NetworkGradientSharingTests: XCTestCase {
    let context = TrainingFixtures.context

    func values(_ count: Int, seed: Double) -> [Float] {
        (0..<count).map { Float(sin(Double($0) * 0.731 + seed)) }
    }

    /// Backward through `layers` (outputs of the last forward pass in `outputs`) with a fresh
    /// buffer for every gradient, residual blocks taken apart into their paths and their sum
    /// added on the host; returns the first layer's input gradient when `wantsInputGradient`.
    func unsharedBackward(_ layers: [Layer], outputs: [DeviceBuffer<Float>], input: DeviceBuffer<Float>,
                          outputGradient: DeviceBuffer<Float>, batch: Int, wantsInputGradient: Bool) throws -> DeviceBuffer<Float>? {
        var gradient = outputGradient
        var inputGradient: DeviceBuffer<Float>?
        for index in layers.indices.reversed() {
            let layer = layers[index]
            let layerInput = index == 0 ? input : outputs[index - 1]
            inputGradient = index == 0 && !wantsInputGradient
                ? nil : try context.buffer(Float.self, count: batch * layer.inputShape.count, label: "\(layer.name).input.grad")
            if let block = layer as? ResidualBlock {
                let inner = block.sublayerOutputs()
                let body = try unsharedBackward(block.body, outputs: Array(inner.prefix(block.body.count)), input: layerInput,
                                                outputGradient: gradient, batch: batch, wantsInputGradient: inputGradient != nil)
                let shortcut = block.shortcut.isEmpty ? gradient
                    : try unsharedBackward(block.shortcut, outputs: Array(inner.dropFirst(block.body.count)), input: layerInput,
                                           outputGradient: gradient, batch: batch, wantsInputGradient: inputGradient != nil)
                if let inputGradient, let body, let shortcut {
                    let count = batch * layer.inputShape.count
                    let sum = zip(try body.read(count: count), try shortcut.read(count: count)).map { $0 + $1 }
                    try inputGradient.write(sum)
                }
            } else {
                try layer.backward(input: layerInput, output: outputs[index], outputGradient: gradient,
                                   inputGradient: inputGradient, batch: batch)
            }
            if let inputGradient { gradient = inputGradient }
        }
        return inputGradient
    }

    func assertSameGradients(_ text: String, batch: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let config = try TrainingFixtures.config(text)
        let network = try NetworkBuilder.build(config: config, context: context)
        try network.initializeParameters(seed: 3)
        try network.reserve(batch: batch)
        for layer in network.layers { layer.prepare(step: 1, seed: 5) }
        let input = try context.buffer(values(batch * network.inputShape.count, seed: 0.5), label: "input")
        let scoreGradient = values(batch * network.outputShape.count, seed: 1.5)

        // Each backward after its own forward, so that scratch a forward leaves for the backward
        // (a convolution's columns) is the same for both.
        try network.forward(input, batch: batch, mode: .training)
        try network.zeroGradients()
        try network.scoreGradient.write(scoreGradient)
        try network.backward(input, batch: batch)
        let shared = try network.parameters.map { try $0.parameter.gradient.read() }

        try network.forward(input, batch: batch, mode: .training)
        try network.zeroGradients()
        let outputs = network.layers.indices.map { network.output(ofLayer: $0) }
        _ = try unsharedBackward(network.layers, outputs: outputs, input: input,
                                 outputGradient: try context.buffer(scoreGradient, label: "scores.grad"), batch: batch, wantsInputGradient: false)
        let unshared = try network.parameters.map { try $0.parameter.gradient.read() }

        for ((layer, parameter), (a, b)) in zip(network.parameters, zip(shared, unshared)) {
            XCTAssertTrue(a.map(\.bitPattern) == b.map(\.bitPattern), "\(layer).\(parameter.name) differs", file: file, line: line)
            if parameter.trainable {
                XCTAssertTrue(a.contains { $0 != 0 }, "\(layer).\(parameter.name) got no gradient", file: file, line: line)
            }
        }
    }

    func testSharedGradientsEqualOneBufferPerGradientBitForBit() throws {
        try assertSameGradients(TrainingFixtures.tinyPipeline(folder: TrainingFixtures.temporaryFolder()), batch: 6)
        try assertSameGradients(TrainingFixtures.recipePipeline(folder: TrainingFixtures.temporaryFolder()), batch: 6)
        try assertSameGradients(TrainingFixtures.residualPipeline(folder: TrainingFixtures.temporaryFolder()), batch: 6)
    }
}
