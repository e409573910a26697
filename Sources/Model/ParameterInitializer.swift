import Layers

/// Sets every parameter's starting values from the run's seed.
///
/// Weights of a layer whose output goes through ReLU or GELU use He (Kaiming) normal
/// initialisation, std = sqrt(2 / fanIn), which keeps activation variance steady through
/// rectifiers; other weights (the classifier, layers followed by nothing non-linear) use Xavier
/// (Glorot) uniform in +-sqrt(6 / (fanIn + fanOut)). Biases and batch-norm shifts start at 0,
/// batch-norm scales at 1. Each parameter draws from its own stream named after it, so adding
/// a layer does not change the others' starting values.
public enum ParameterInitializer {
    public enum Scheme: String, Sendable { case he, xavier }

    public static func values(for parameter: Parameter, layer: String, scheme: Scheme, seed: UInt64) -> [Float] {
        switch parameter.kind {
        case .bias, .normShift:
            return [Float](repeating: 0, count: parameter.count)
        case .normScale:
            return [Float](repeating: 1, count: parameter.count)
        case .weight:
            var random = SplitMix64(seed: seed, stream: "\(layer).\(parameter.name)")
            switch scheme {
            case .he:
                let std = (2.0 / Double(max(parameter.fanIn, 1))).squareRoot()
                return (0..<parameter.count).map { _ in Float(random.nextNormal() * std) }
            case .xavier:
                let bound = Float((6.0 / Double(max(parameter.fanIn + parameter.fanOut, 1))).squareRoot())
                return (0..<parameter.count).map { _ in (random.nextUnitFloat() * 2 - 1) * bound }
            }
        }
    }

    public static func initialize(_ parameter: Parameter, layer: String, scheme: Scheme, seed: UInt64) throws {
        try parameter.value.write(values(for: parameter, layer: layer, scheme: scheme, seed: seed))
    }
}
