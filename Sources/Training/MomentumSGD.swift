import Layers
import OpenCLRuntime
import PipelineConfig

/// SGD with momentum over every parameter of a network; the momentum cache lives on the device
/// beside the parameters, and the update is one OpenCL kernel launch per parameter.
///
/// Per-kind settings: biases and batch-norm parameters take the learning-rate multipliers of
/// `optimizer.lr_multipliers` and are not weight-decayed unless `decay_biases` is set.
public final class MomentumSGD {
    public struct Entry {
        public let layer: String
        public let parameter: Parameter
        public let momentum: DeviceBuffer<Float>
    }

    public let entries: [Entry]
    let settings: OptimizerSettings
    let update: SGDUpdate

    public init(context: ComputeContext, network: Network, settings: OptimizerSettings) throws {
        self.settings = settings
        update = try SGDUpdate(context: context)
        entries = try network.parameters.map { layer, parameter in
            let momentum = try context.buffer(Float.self, count: parameter.count, label: "\(layer).\(parameter.name).momentum")
            try momentum.fill(0)
            return Entry(layer: layer, parameter: parameter, momentum: momentum)
        }
    }

    /// The update rule's settings for one parameter at a learning rate.
    func settings(for parameter: Parameter, learningRate: Double) -> SGDSettings {
        let isWeight = parameter.kind == .weight
        let multiplier: Double
        switch parameter.kind {
        case .weight: multiplier = 1
        case .bias: multiplier = settings.lrMultipliers.bias
        case .normScale, .normShift: multiplier = settings.lrMultipliers.norm
        }
        let decays = isWeight || settings.decayBiases
        return SGDSettings(learningRate: Float(learningRate * multiplier), momentum: Float(settings.momentum),
                           nesterov: settings.nesterov, weightDecay: decays ? Float(settings.weightDecay) : 0,
                           decoupledWeightDecay: settings.decay == .decoupled)
    }

    public func step(learningRate: Double) throws {
        for entry in entries {
            try update.apply(to: entry.parameter, momentum: entry.momentum,
                             settings: settings(for: entry.parameter, learningRate: learningRate))
        }
    }
}
