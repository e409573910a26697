/// Hyper-parameters of one SGD step, with the meaning torch.optim.SGD gives them (dampening 0).
///
/// `weightDecay` is L2 decay added to the gradient, or, when `decoupledWeightDecay`, a shrink
/// of the weight by (1 - stepSize * weightDecay) before the step (as in AdamW/SGDW). The
/// trainer passes a weight decay of 0 for parameters it does not decay (biases, norm shifts).
public struct SGDSettings: Hashable, Codable, Sendable {
    /// The learning rate of the step times the parameter kind's multiplier (torch's group `lr`).
    public var stepSize: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public var decoupledWeightDecay: Bool

    public init(stepSize: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0,
                decoupledWeightDecay: Bool = false) {
        self.stepSize = stepSize
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }
}
