import Dispatch
import Layers
import OpenCLRuntime

/// The kernels that are not layers, each against its CPU reference: the losses
/// (`LossReference`), the SGD update (`SGDReference`), the lookahead sync
/// (`LookaheadSync.reference`), and the flip and shift of test-time augmentation
/// (`ImageShiftReference`; a flip is a mirror without a shift).
///
/// Each returns the comparisons and the milliseconds of the device work; `perturb` adds 1 to
/// the device's first result (the test hook of `KernelCheckFault`).
enum KernelCheckOperations {
    typealias Outcome = KernelCheckLayerRun.Outcome

    static func loss(_ loss: Loss, batch: Int, context: ComputeContext, seed name: String, perturb: Bool) throws -> Outcome {
        var random = KernelCheckRandom(name: name)
        let classes = loss.classes
        let scores = random.floats(batch * classes, in: -3...3)
        let labels = (0..<batch).map { _ in Int32(random.int(below: classes)) }
        let scoreBuffer = try context.buffer(scores, label: "check scores")
        let labelBuffer = try context.buffer(labels, label: "check labels")
        let gradient = try context.buffer(Float.self, count: scores.count, label: "check score gradient")
        let losses = try context.buffer(Float.self, count: batch, label: "check losses")
        let correct = try context.buffer(Int32.self, count: batch, label: "check correct")
        let evaluated = try context.buffer(Float.self, count: batch, label: "check evaluated losses")
        let evaluatedCorrect = try context.buffer(Int32.self, count: batch, label: "check evaluated correct")
        try gradient.fill(.nan)
        let milliseconds = try timed(context, warmUp: true) {
            try loss.forwardBackward(scores: scoreBuffer, labels: labelBuffer, batch: batch, scoreGradient: gradient, losses: losses,
                                     correct: correct)
            try loss.evaluate(scores: scoreBuffer, labels: labelBuffer, batch: batch, losses: evaluated, correct: evaluatedCorrect)
        }
        let expected = loss.reference(scores: scores, labels: labels)
        var deviceLosses = try losses.read()
        if perturb { deviceLosses[0] += 1 }
        let tolerance = Parity.standard
        return Outcome(comparisons: [
            KernelCheckComparison(what: "losses", actual: deviceLosses, expected: expected.losses, tolerance: tolerance),
            KernelCheckComparison(what: "score gradient", actual: try gradient.read(), expected: expected.gradient, tolerance: tolerance),
            KernelCheckComparison(what: "correct", actual: try correct.read().map(Float.init), expected: expected.correct.map(Float.init),
                                  tolerance: Parity.exact),
            KernelCheckComparison(what: "evaluation losses", actual: try evaluated.read(), expected: expected.losses, tolerance: tolerance),
            KernelCheckComparison(what: "evaluation correct", actual: try evaluatedCorrect.read().map(Float.init),
                                  expected: expected.correct.map(Float.init), tolerance: Parity.exact),
        ], milliseconds: milliseconds)
    }

    /// `steps` updates of one tensor, so the momentum carries from step to step.
    static func sgd(count: Int, settings: SGDSettings, steps: Int, context: ComputeContext, seed name: String, perturb: Bool) throws -> Outcome {
        var random = KernelCheckRandom(name: name)
        var weight = random.floats(count), velocity = random.floats(count, in: -0.1...0.1)
        let gradients = (0..<steps).map { _ in random.floats(count) }
        let update = try SGDUpdate(context: context)
        let value = try context.buffer(weight, label: "check weight")
        let momentum = try context.buffer(velocity, label: "check momentum")
        let gradient = try context.buffer(Float.self, count: count, label: "check gradient")
        var milliseconds = 0.0
        for step in gradients {
            try gradient.write(step)
            milliseconds += try timed(context) {
                try update.apply(value: value, gradient: gradient, momentum: momentum, count: count, settings: settings)
            }
            SGDReference.step(weight: &weight, gradient: step, velocity: &velocity, settings: settings)
        }
        var deviceWeight = try value.read()
        if perturb { deviceWeight[0] += 1 }
        return Outcome(comparisons: [
            KernelCheckComparison(what: "weight", actual: deviceWeight, expected: weight, tolerance: Parity.update),
            KernelCheckComparison(what: "momentum", actual: try momentum.read(), expected: velocity, tolerance: Parity.update),
        ], milliseconds: milliseconds)
    }

    static func lookahead(count: Int, decay: Float, context: ComputeContext, seed name: String, perturb: Bool) throws -> Outcome {
        var random = KernelCheckRandom(name: name)
        var weight = random.floats(count), average = random.floats(count)
        let sync = try LookaheadSync(context: context)
        let weightBuffer = try context.buffer(weight, label: "check weight")
        let averageBuffer = try context.buffer(average, label: "check average")
        let milliseconds = try timed(context) { try sync.apply(weight: weightBuffer, average: averageBuffer, decay: decay) }
        LookaheadSync.reference(weight: &weight, average: &average, decay: decay)
        var deviceWeight = try weightBuffer.read()
        if perturb { deviceWeight[0] += 1 }
        return Outcome(comparisons: [
            KernelCheckComparison(what: "weight", actual: deviceWeight, expected: weight, tolerance: Parity.update),
            KernelCheckComparison(what: "average", actual: try averageBuffer.read(), expected: average, tolerance: Parity.update),
        ], milliseconds: milliseconds)
    }

    /// The flip (`HorizontalFlip`) when `shift` is nil, else the reflect-padded shift (`ImageShift`)
    /// by (dy, dx), mirrored or not.
    static func image(shape: Shape, batch: Int, shift: (dy: Int, dx: Int, mirror: Bool)?, context: ComputeContext, seed name: String,
                      perturb: Bool) throws -> Outcome {
        var random = KernelCheckRandom(name: name)
        let x = random.floats(batch * shape.count)
        let input = try context.buffer(x, label: "check images")
        let output = try context.buffer(Float.self, count: x.count, label: "check moved images")
        try output.fill(.nan)
        let expected: [Float]
        let milliseconds: Double
        if let shift {
            let kernel = try ImageShift(context: context)
            milliseconds = try timed(context, warmUp: true) {
                try kernel.apply(input, into: output, batch: batch, shape: shape, dy: shift.dy, dx: shift.dx, mirror: shift.mirror)
            }
            expected = ImageShiftReference.apply(x, batch: batch, shape: shape, dy: shift.dy, dx: shift.dx, mirror: shift.mirror)
        } else {
            let kernel = try HorizontalFlip(context: context)
            milliseconds = try timed(context, warmUp: true) { try kernel.apply(input, into: output, batch: batch, shape: shape) }
            expected = ImageShiftReference.apply(x, batch: batch, shape: shape, dy: 0, dx: 0, mirror: true)
        }
        var actual = try output.read()
        if perturb { actual[0] += 1 }
        return Outcome(comparisons: [KernelCheckComparison(what: "output", actual: actual, expected: expected,
                                                           tolerance: Parity.exact)],
                       milliseconds: milliseconds)
    }

    /// Milliseconds of `body` and the device work it enqueues; `warmUp` runs it once before (for
    /// work that gives the same result twice), since PoCL compiles a kernel at its first launch.
    private static func timed(_ context: ComputeContext, warmUp: Bool = false, _ body: () throws -> Void) throws -> Double {
        if warmUp { try body() }
        try context.finish()
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        try context.finish()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}
