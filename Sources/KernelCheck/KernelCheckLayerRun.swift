import Dispatch
import Layers
import OpenCLRuntime

/// One layer's forward and backward pass on the device against its CPU reference
/// (`Layer.referenceForward` / `referenceBackward`), on random values.
///
/// A first pass warms up (PoCL compiles a kernel for each work-group size at its first launch)
/// and is discarded; the parameter gradients are zeroed and the input gradient filled with NaN
/// (every element must be written), then the checked pass runs and is timed.
enum KernelCheckLayerRun {
    struct Outcome {
        var comparisons: [KernelCheckComparison]
        var milliseconds: Double
    }

    /// - Parameter perturb: add 1 to the device's first output value before comparing (the
    ///   test hook of `KernelCheckFault`: a kernel that computes a wrong value).
    static func run(_ layer: Layer, batch: Int, mode: Mode, context: ComputeContext, seed name: String, perturb: Bool) throws -> Outcome {
        var random = KernelCheckRandom(name: name)
        layer.prepare(step: 17, seed: 1234)
        // As ReferenceContractTests: positive parameters, so no scale cancels a whole channel.
        let parameters = layer.parameters.map { random.floats($0.count, in: 0.5...1.5) }
        for (parameter, values) in zip(layer.parameters, parameters) { try parameter.value.write(values) }
        if let norm = layer as? BatchNorm2D {
            try norm.runningMean.write(random.floats(layer.inputShape.channels))
            try norm.runningVar.write(random.floats(layer.inputShape.channels, in: 0.5...2))
        }
        let x = random.floats(batch * layer.inputShape.count)
        let dy = random.floats(batch * layer.outputShape.count)

        try layer.reserve(batch: batch)
        let xBuffer = try context.buffer(x, label: "check input")
        let yBuffer = try context.buffer(Float.self, count: batch * layer.outputShape.count, label: "check output")
        let dyBuffer = try context.buffer(dy, label: "check output gradient")
        let dxBuffer = try context.buffer(Float.self, count: x.count, label: "check input gradient")
        func pass() throws {
            try layer.forward(xBuffer, into: yBuffer, batch: batch, mode: mode)
            // fc scales its output gradient in place: every pass starts from the same one.
            try dyBuffer.write(dy)
            try layer.backward(input: xBuffer, output: yBuffer, outputGradient: dyBuffer, inputGradient: dxBuffer, batch: batch)
        }
        try pass()
        try context.finish()
        for parameter in layer.parameters { try parameter.gradient.fill(0) }
        try dxBuffer.fill(.nan)
        let norm = layer as? BatchNorm2D
        var runningMean = try norm?.runningMean.read() ?? [], runningVar = try norm?.runningVar.read() ?? []

        let start = DispatchTime.now().uptimeNanoseconds
        try pass()
        try context.finish()
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6

        var output = try yBuffer.read()
        if perturb, !output.isEmpty { output[0] += 1 }
        let reference = try layer.referenceForward(x, batch: batch, parameters: parameters, mode: mode)
        let gradients = try layer.referenceBackward(reference, outputGradient: dy, parameters: parameters)
        // A convolution's products are held to its algorithm's tolerance (Winograd's F(4x4) rounds more).
        let productTolerance = (layer as? Conv2D)?.algorithm.tolerance ?? Parity.standard
        let inputTolerance = layer is BatchNorm2D && mode == .training
            ? Parity.batchNormInputGradient : productTolerance
        var comparisons = [
            KernelCheckComparison(what: "output", actual: output, expected: reference.output, tolerance: productTolerance),
            KernelCheckComparison(what: "input gradient", actual: try dxBuffer.read(), expected: gradients.input, tolerance: inputTolerance),
        ]
        for (parameter, expected) in zip(layer.parameters, gradients.parameters) {
            comparisons.append(KernelCheckComparison(what: "\(parameter.name) gradient", actual: try parameter.gradient.read(),
                                                     expected: expected,
                                                     tolerance: parameter.name == "weight" ? productTolerance : Parity.standard))
        }
        if let norm, mode == .training {
            // The running statistics the training pass blended in (BatchNormTests' reference).
            let statistics = BatchNormReference.statistics(x, batch: batch, shape: layer.inputShape, epsilon: norm.epsilon)
            BatchNormReference.updateRunning(mean: &runningMean, variance: &runningVar, statistics: statistics,
                                             count: batch * layer.inputShape.height * layer.inputShape.width, momentum: norm.momentum)
            comparisons.append(KernelCheckComparison(what: "running mean", actual: try norm.runningMean.read(), expected: runningMean,
                                                     tolerance: Parity.standard))
            comparisons.append(KernelCheckComparison(what: "running variance", actual: try norm.runningVar.read(), expected: runningVar,
                                                     tolerance: Parity.standard))
        }
        return Outcome(comparisons: comparisons, milliseconds: milliseconds)
    }
}
