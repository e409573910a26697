import Foundation
import Hashing
import Layers
import Model
import Optimization

/// Trains a pipeline's network for a few steps with the CPU references of Layers/Reference on
/// the host: OpenBLAS for the matrix products (convolution as im2col + sgemm, fully
/// connected), plain Swift loops for the rest. This is the "OpenBLAS CPU reference path" the
/// benchmark reports beside the OpenCL one: the speed of the code the kernels are checked
/// against, not a tuned CPU trainer.
public struct ReferenceTrainingBenchmark {
    public struct Report: Sendable, Encodable {
        public let batch: Int
        public let steps: Int
        public let threads: Int
        public let imagesPerSecond: Double
        public let millisecondsPerStep: Double
        /// Mean loss of each timed step (all on the same batch, so it falls when training works).
        public let losses: [Float]
    }

    public let step: TrainingStep
    public let batch: Int

    public init(step: TrainingStep, batch: Int) {
        self.step = step
        self.batch = batch
    }

    /// Host copies of one layer's parameters, their gradients and momentum.
    private struct HostParameters {
        var values: [[Float]]
        var gradients: [[Float]]
        var velocities: [[Float]]
    }

    public func run(steps: Int, warmup: Int = 1, threads: Int? = nil) throws -> Report {
        if let threads { OpenBLASThreads.set(threads) }
        let network = step.model.network
        try step.model.initializeParameters(seed: step.seed)
        var parameters = try network.layers.map { layer in
            let values = try layer.parameters.map { try $0.value.read() }
            return HostParameters(values: values, gradients: values.map { [Float](repeating: 0, count: $0.count) },
                                  velocities: values.map { [Float](repeating: 0, count: $0.count) })
        }
        var random = SplitMix64(seed: 42)
        let images = (0..<(batch * network.inputShape.count)).map { _ in random.nextUnitFloat() * 2 - 1 }
        let labels = (0..<batch).map { _ in Int32(random.next() % UInt64(network.outputShape.count)) }
        for index in 0..<warmup { _ = try trainStep(images: images, labels: labels, step: index, parameters: &parameters) }
        var losses: [Float] = []
        let start = DispatchTime.now().uptimeNanoseconds
        for index in 0..<steps { losses.append(try trainStep(images: images, labels: labels, step: warmup + index, parameters: &parameters)) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return Report(batch: batch, steps: steps, threads: OpenBLASThreads.current,
                      imagesPerSecond: Double(batch * steps) / seconds, millisecondsPerStep: seconds * 1000 / Double(steps),
                      losses: losses)
    }

    /// One forward, backward and SGD step; returns the batch's mean loss.
    private func trainStep(images: [Float], labels: [Int32], step: Int, parameters: inout [HostParameters]) throws -> Float {
        let layers = self.step.model.network.layers
        var passes: [ReferencePass] = []
        var x = images
        for (index, layer) in layers.enumerated() {
            layer.prepare(step: step, seed: self.step.seed)
            let pass = try layer.referenceForward(x, batch: batch, parameters: parameters[index].values, mode: .training)
            passes.append(pass)
            x = pass.output
        }
        let loss = self.step.model.loss.reference(scores: x, labels: labels)
        var dy = loss.gradient
        for index in layers.indices.reversed() {
            let gradients = try layers[index].referenceBackward(passes[index], outputGradient: dy, parameters: parameters[index].values)
            parameters[index].gradients = gradients.parameters
            dy = gradients.input
        }
        // The optimizer's own rule at the scaled rate (the schedule's shape is left out: a few
        // steps on one batch should show the loss falling, not the warm-up).
        let optimizer = self.step.optimizer
        for index in parameters.indices {
            for p in parameters[index].values.indices where layers[index].parameters[p].trainable {
                let settings = optimizer.rule(for: layers[index].parameters[p].kind, learningRate: optimizer.policy.scaledRate)
                var values = parameters[index].values[p], velocity = parameters[index].velocities[p]
                SGDReference.step(weight: &values, gradient: parameters[index].gradients[p], velocity: &velocity, settings: settings)
                parameters[index].values[p] = values
                parameters[index].velocities[p] = velocity
            }
        }
        return loss.losses.reduce(0, +) / Float(max(loss.losses.count, 1))
    }
}
