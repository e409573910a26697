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
    /// Data-parallel runs: averages the gradients over the ranks between backward and update.
    public let averager: GradientAverager?
    /// Data-parallel runs with per-rank batch norm: rank 0's running statistics to every rank.
    let stateBroadcast: LayerStateBroadcast?

    public init(model: Model, optimizer: MomentumSGD, seed: UInt64) {
        self.init(model: model, optimizer: optimizer, seed: seed, averager: nil, stateBroadcast: nil)
    }

    init(model: Model, optimizer: MomentumSGD, seed: UInt64, averager: GradientAverager?, stateBroadcast: LayerStateBroadcast?) {
        self.model = model
        self.optimizer = optimizer
        self.seed = seed
        self.averager = averager
        self.stateBroadcast = stateBroadcast
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
        if let averager {
            try network.backward(images, batch: count, layerDone: averager.layerDone)
            try averager.finish()
            try stateBroadcast?.broadcast()
        } else {
            try network.backward(images, batch: count)
        }
        try optimizer.step(step)
    }
}
