import Layers
import OpenCLRuntime

/// SGD with momentum over a list of parameters: the learning rate from `LearningRatePolicy`,
/// the per-kind rule (`rule(for:learningRate:)`), and the momentum cache, which lives on the
/// device beside the parameters. The update is one OpenCL kernel launch per parameter.
///
/// Per-kind settings: biases and batch-norm parameters take the multipliers of
/// `optimizer.lr_multipliers` and `wd_multipliers`, and are not weight-decayed unless
/// `decay_biases` is set. Frozen parameters (`Parameter.trainable` false) get no momentum
/// buffer and no update; a parameter with `trainableEpochs` is updated in those first epochs only.
public final class MomentumSGD {
    public struct Entry {
        public let layer: String
        public let parameter: Parameter
        public let momentum: DeviceBuffer<Float>
    }

    public let entries: [Entry]
    public let settings: OptimizerSettings
    public let policy: LearningRatePolicy
    private let update: SGDUpdate

    /// The momentum buffers for the trainable ones of `parameters`, as the plan counts and
    /// `init` allocates them.
    public static func momentumRequests(for parameters: [(layer: String, parameter: Parameter)]) -> [BufferRequest] {
        parameters.filter(\.parameter.trainable).map {
            BufferRequest(Float.self, count: $0.parameter.count, label: "\($0.layer).\($0.parameter.name).momentum")
        }
    }

    public init(context: ComputeContext, parameters: [(layer: String, parameter: Parameter)], settings: OptimizerSettings,
                policy: LearningRatePolicy) throws {
        self.settings = settings
        self.policy = policy
        update = try SGDUpdate(context: context)
        let trainable = parameters.filter(\.parameter.trainable)
        let requests = Self.momentumRequests(for: trainable)
        entries = try zip(trainable, requests).map { owner, request in
            let momentum = try context.buffer(Float.self, for: request)
            try momentum.fill(0)
            return Entry(layer: owner.layer, parameter: owner.parameter, momentum: momentum)
        }
    }

    /// The update rule for one kind of parameter at a learning rate: the one rule both the
    /// OpenCL path and the CPU reference path apply.
    public func rule(for kind: ParameterKind, learningRate: Double) -> SGDSettings {
        let rate: Double, decay: Double
        switch kind {
        case .weight: (rate, decay) = (1, 1)
        case .bias: (rate, decay) = (settings.lrMultipliers.bias, settings.wdMultipliers.bias)
        case .normScale, .normShift: (rate, decay) = (settings.lrMultipliers.norm, settings.wdMultipliers.norm)
        }
        let decays = kind == .weight || settings.decayBiases
        return SGDSettings(stepSize: Float(learningRate * rate), momentum: Float(settings.momentum),
                           nesterov: settings.nesterov, weightDecay: decays ? Float(settings.weightDecay * decay) : 0,
                           decoupledWeightDecay: settings.decay == .decoupled)
    }

    /// Enqueues the update of every parameter for global step `step`.
    public func step(_ step: Int) throws {
        let learningRate = policy.learningRate(atStep: step)
        let epoch = step / policy.stepsPerEpoch
        for entry in entries where entry.parameter.trainableEpochs.map({ epoch < $0 }) ?? true {
            try update.apply(to: entry.parameter, momentum: entry.momentum, settings: rule(for: entry.parameter.kind, learningRate: learningRate))
        }
    }
}
