import Layers

/// One tensor a kernel produced, compared with its CPU reference (see `Parity`
/// for how the error is measured).
public struct KernelCheckComparison: Codable, Sendable {
    /// What was compared: "output", "input gradient", "weight gradient", "losses", ...
    public let what: String
    public let error: Float
    public let tolerance: Float

    public var passed: Bool { error <= tolerance }
    /// The error as a multiple of the tolerance, to find the worst of several comparisons.
    public var ratio: Float {
        guard error > 0 else { return 0 }
        return tolerance > 0 ? error / tolerance : .infinity
    }

    public init(what: String, error: Float, tolerance: Float) {
        self.what = what
        self.error = error
        self.tolerance = tolerance
    }

    /// Compares `actual` with `expected` by the parity tests' measure (`Parity.worst`).
    public init(what: String, actual: [Float], expected: [Float], tolerance: Float) {
        self.init(what: what, error: Parity.worst(actual, expected).error, tolerance: tolerance)
    }
}
