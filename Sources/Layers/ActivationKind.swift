/// The non-linearity of an `Activation` layer.
public enum ActivationKind: String, Codable, Sendable, CaseIterable {
    /// max(x, 0); the gradient at 0 is 0.
    case relu
    /// The tanh approximation 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))), PyTorch's
    /// `GELU(approximate="tanh")`.
    case gelu
}
