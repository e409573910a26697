import Foundation

/// CPU references for the activations (GELU in the tanh form, as the kernels).
public enum ActivationReference {
    static let sqrt2OverPi = 0.7978845608028654
    static let cubic = 0.044715

    public static func forward(_ x: [Float], kind: ActivationKind) -> [Float] {
        switch kind {
        case .relu:
            return x.map { max($0, 0) }
        case .gelu:
            return x.map { v in
                let d = Double(v)
                return Float(0.5 * d * (1 + tanh(sqrt2OverPi * (d + cubic * d * d * d))))
            }
        }
    }

    public static func backward(_ x: [Float], outputGradient dy: [Float], kind: ActivationKind) -> [Float] {
        switch kind {
        case .relu:
            return zip(x, dy).map { $0 > 0 ? $1 : 0 }
        case .gelu:
            return zip(x, dy).map { v, g in
                let d = Double(v)
                let t = tanh(sqrt2OverPi * (d + cubic * d * d * d))
                let slope = 0.5 * (1 + t) + 0.5 * d * (1 - t * t) * sqrt2OverPi * (1 + 3 * cubic * d * d)
                return Float(Double(g) * slope)
            }
        }
    }
}
