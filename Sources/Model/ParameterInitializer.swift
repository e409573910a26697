import Hashing
import Layers
import PipelineConfig

/// Sets every parameter's starting values from the run's seed.
///
/// Weights of a layer whose output goes through ReLU or GELU use He (Kaiming) normal
/// initialisation, std = sqrt(2 / fanIn), which keeps activation variance steady through
/// rectifiers; other weights (the classifier, layers followed by nothing non-linear) use Xavier
/// (Glorot) uniform in +-sqrt(6 / (fanIn + fanOut)). Biases and batch-norm shifts start at 0,
/// batch-norm scales at 1. Each parameter draws from its own stream named after it, so adding
/// a layer does not change the others' starting values.
public enum ParameterInitializer {
    public typealias Scheme = WeightInitialization

    public static func values(for parameter: Parameter, layer: String, scheme: Scheme, seed: UInt64) -> [Float] {
        switch parameter.kind {
        case .bias, .normShift:
            return [Float](repeating: 0, count: parameter.count)
        case .normScale:
            return [Float](repeating: 1, count: parameter.count)
        case .weight:
            var random = SplitMix64(seed: seed, stream: "\(layer).\(parameter.name)")
            switch scheme {
            case .dirac:
                return dirac(parameter, random: &random)
            case .he:
                let std = (2.0 / Double(max(parameter.fanIn, 1))).squareRoot()
                return (0..<parameter.count).map { _ in Float(random.nextNormal() * std) }
            case .xavier:
                let bound = Float((6.0 / Double(max(parameter.fanIn + parameter.fanOut, 1))).squareRoot())
                return (0..<parameter.count).map { _ in (random.nextUnitFloat() * 2 - 1) * bound }
            }
        }
    }

    /// PyTorch's default uniform +-1/sqrt(fan_in) everywhere, then the identity on the first
    /// min(filters, channels) filters (`torch.nn.init.dirac_` on `w[:channels]`, as airbench):
    /// filter k passes channel k through its centre tap. Weights of another rank (fc) get the
    /// identity on their leading square.
    static func dirac(_ parameter: Parameter, random: inout SplitMix64) -> [Float] {
        let bound = Float(1 / Double(max(parameter.fanIn, 1)).squareRoot())
        var values = (0..<parameter.count).map { _ in (random.nextUnitFloat() * 2 - 1) * bound }
        let filters = parameter.shape[0], channels = parameter.shape.count > 1 ? parameter.shape[1] : 1
        let window = parameter.shape.dropFirst(2).reduce(1, *)
        let height = parameter.shape.count > 2 ? parameter.shape[2] : 1, width = parameter.shape.count > 3 ? parameter.shape[3] : 1
        let centre = (height / 2) * width + width / 2
        for k in 0..<min(filters, channels) {
            let filter = k * channels * window
            for i in 0..<(channels * window) { values[filter + i] = 0 }
            values[filter + k * window + centre] = 1
        }
        return values
    }

    public static func initialize(_ parameter: Parameter, layer: String, scheme: Scheme, seed: UInt64) throws {
        try parameter.value.write(values(for: parameter, layer: layer, scheme: scheme, seed: seed))
    }
}
