import Foundation
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

    /// What a layer's forward pass keeps for its backward pass.
    private enum Saved {
        case none
        case argmax([Int32])
        case statistics(mean: [Float], invstd: [Float])
        case mask([Bool])
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
        var inputs: [[Float]] = [], saved: [Saved] = []
        var x = images
        for (index, layer) in layers.enumerated() {
            let (y, keep) = try forward(layer, x: x, batch: batch, step: step, parameters: parameters[index])
            inputs.append(x)
            saved.append(keep)
            x = y
        }
        let loss = try lossAndGradient(scores: x, labels: labels)
        var dy = loss.gradient
        for index in layers.indices.reversed() {
            dy = try backward(layers[index], x: inputs[index], dy: dy, saved: saved[index], batch: batch,
                              parameters: &parameters[index])
        }
        // The optimizer's own rule at the scaled rate (the schedule's shape is left out: a few
        // steps on one batch should show the loss falling, not the warm-up).
        let optimizer = self.step.optimizer
        for index in parameters.indices {
            for p in parameters[index].values.indices {
                let settings = optimizer.rule(for: layers[index].parameters[p].kind, learningRate: optimizer.policy.scaledRate)
                var values = parameters[index].values[p], velocity = parameters[index].velocities[p]
                SGDReference.step(weight: &values, gradient: parameters[index].gradients[p], velocity: &velocity, settings: settings)
                parameters[index].values[p] = values
                parameters[index].velocities[p] = velocity
            }
        }
        return loss.losses.reduce(0, +) / Float(max(loss.losses.count, 1))
    }

    private func unsupported(_ layer: Layer) -> TrainingError {
        TrainingError.invalidSetting("layer '\(layer.name)' (\(type(of: layer))) has no CPU reference; "
                                   + "run the benchmark without --reference")
    }

    private func forward(_ layer: Layer, x: [Float], batch: Int, step: Int, parameters p: HostParameters) throws -> ([Float], Saved) {
        switch layer {
        case let conv as Conv2D:
            let reference = try ConvReference(input: conv.inputShape, config: conv.config)
            return (reference.forward(x: x, weight: p.values[0], bias: p.values.count > 1 ? p.values[1] : [], batch: batch), .none)
        case let fc as FullyConnected:
            let reference = FullyConnectedReference(inputs: fc.inputShape.count, outputs: fc.config.outputs)
            return (reference.forward(x: x, weight: p.values[0], bias: p.values.count > 1 ? p.values[1] : [], batch: batch), .none)
        case let pool as MaxPool2D:
            let (y, argmax) = PoolReference.maxForward(x, batch: batch, input: pool.inputShape, output: pool.outputShape, config: pool.config)
            return (y, .argmax(argmax))
        case let pool as AvgPool2D:
            return (PoolReference.avgForward(x, batch: batch, input: pool.inputShape, output: pool.outputShape, config: pool.config), .none)
        case let pool as GlobalAvgPool:
            return (PoolReference.globalAvgForward(x, batch: batch, input: pool.inputShape), .none)
        case let activation as Activation:
            return (ActivationReference.forward(x, kind: activation.kind), .none)
        case let norm as BatchNorm2D:
            let stats = BatchNormReference.statistics(x, batch: batch, shape: norm.inputShape, epsilon: norm.epsilon)
            let y = BatchNormReference.normalise(x, batch: batch, shape: norm.inputShape, mean: stats.mean, invstd: stats.invstd,
                                                 gamma: norm.affine ? p.values[0] : nil, beta: norm.affine ? p.values[1] : nil)
            return (y, .statistics(mean: stats.mean, invstd: stats.invstd))
        case let dropout as Dropout:
            let mask = DropoutReference.mask(count: x.count, seed: self.step.seed, step: step, probability: dropout.probability)
            return (DropoutReference.apply(x, mask: mask, probability: dropout.probability), .mask(mask))
        default:
            throw unsupported(layer)
        }
    }

    /// The input gradient; parameter gradients go into `p.gradients` (overwritten each step).
    private func backward(_ layer: Layer, x: [Float], dy: [Float], saved: Saved, batch: Int, parameters p: inout HostParameters) throws -> [Float] {
        switch (layer, saved) {
        case let (conv as Conv2D, _):
            let reference = try ConvReference(input: conv.inputShape, config: conv.config)
            let result = reference.backward(x: x, weight: p.values[0], dy: dy, batch: batch)
            p.gradients[0] = result.dweight
            if p.gradients.count > 1 { p.gradients[1] = result.dbias }
            return result.dx
        case let (fc as FullyConnected, _):
            let reference = FullyConnectedReference(inputs: fc.inputShape.count, outputs: fc.config.outputs)
            let result = reference.backward(x: x, weight: p.values[0], dy: dy, batch: batch)
            p.gradients[0] = result.dweight
            if p.gradients.count > 1 { p.gradients[1] = result.dbias }
            return result.dx
        case let (pool as MaxPool2D, .argmax(argmax)):
            return PoolReference.maxBackward(dy, argmax: argmax, batch: batch, input: pool.inputShape, output: pool.outputShape)
        case let (pool as AvgPool2D, _):
            return PoolReference.avgBackward(dy, batch: batch, input: pool.inputShape, output: pool.outputShape, config: pool.config)
        case let (pool as GlobalAvgPool, _):
            return PoolReference.globalAvgBackward(dy, batch: batch, input: pool.inputShape)
        case let (activation as Activation, _):
            return ActivationReference.backward(x, outputGradient: dy, kind: activation.kind)
        case let (norm as BatchNorm2D, .statistics(mean, invstd)):
            let result = BatchNormReference.backward(x, outputGradient: dy, batch: batch, shape: norm.inputShape,
                                                     gamma: norm.affine ? p.values[0] : nil, mean: mean, invstd: invstd, training: true)
            if norm.affine { p.gradients = [result.dgamma, result.dbeta] }
            return result.dx
        case let (dropout as Dropout, .mask(mask)):
            return DropoutReference.apply(dy, mask: mask, probability: dropout.probability)
        default:
            throw unsupported(layer)
        }
    }

    private func lossAndGradient(scores: [Float], labels: [Int32]) throws -> LossReference.Result {
        switch self.step.model.loss {
        case let softmax as SoftmaxCrossEntropy:
            return LossReference.softmaxCrossEntropy(scores: scores, labels: labels, classes: softmax.classes,
                                                     labelSmoothing: softmax.labelSmoothing)
        case let svm as MulticlassSVM:
            return LossReference.multiclassSVM(scores: scores, labels: labels, classes: svm.classes, margin: svm.margin)
        default:
            throw TrainingError.invalidSetting("the loss \(type(of: self.step.model.loss)) has no CPU reference")
        }
    }
}
