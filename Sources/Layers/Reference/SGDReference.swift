/// CPU reference for one SGD step (the rule documented in `SGDSettings` and `Kernels/sgd.cl`).
public enum SGDReference {
    public static func step(weight: inout [Float], gradient: [Float], velocity: inout [Float], settings: SGDSettings) {
        for i in weight.indices {
            var w = weight[i], g = gradient[i]
            if settings.decoupledWeightDecay {
                w *= 1 - settings.stepSize * settings.weightDecay
            } else {
                g += settings.weightDecay * w
            }
            let v = settings.momentum * velocity[i] + g
            velocity[i] = v
            weight[i] = w - settings.stepSize * (settings.nesterov ? g + settings.momentum * v : v)
        }
    }
}
