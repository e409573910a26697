import Model
import OpenCLRuntime
import Optimization

/// One training step of a model with its optimizer: forward, loss, backward, update.
///
/// Shared by the trainer and the benchmark, so both time and run the same launches.
public struct TrainingStep {
    public let model: Model
    public let optimizer: MomentumSGD
    /// Seed of the per-step randomness of layers (dropout masks).
    public let seed: UInt64

    public init(model: Model, optimizer: MomentumSGD, seed: UInt64) {
        self.model = model
        self.optimizer = optimizer
        self.seed = seed
    }

    /// Enqueues one step without waiting for it; `outputs` receive per-sample values the
    /// caller may read afterwards.
    public func enqueue(images: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, count: Int, step: Int,
                        outputs: StepOutputs) throws {
        let network = model.network
        model.prepareStep(step, seed: seed)
        try network.zeroGradients()
        let scores = try network.forward(images, batch: count, mode: .training)
        try model.loss.forwardBackward(scores: scores, labels: labels, batch: count, scoreGradient: network.scoreGradient,
                                       losses: outputs.losses, correct: outputs.correct)
        try network.backward(images, batch: count)
        try optimizer.step(step)
    }
}
