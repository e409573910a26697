/// One tensor a kernel produced, compared with its CPU reference (see `KernelCheckTolerance`
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

    /// Compares `actual` with `expected`; sizes that differ are an infinite error.
    public init(what: String, actual: [Float], expected: [Float], tolerance: Float) {
        self.init(what: what, error: Self.relativeError(actual, expected), tolerance: tolerance)
    }

    /// The largest |actual - expected| / (|expected| + mean |expected|) (the parity tests'
    /// `assertClose`); NaN anywhere counts as infinite.
    public static func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
        guard actual.count == expected.count else { return .infinity }
        guard !expected.isEmpty else { return 0 }
        let scale = expected.reduce(0) { $0 + abs($1) } / Float(expected.count)
        var worst: Float = 0
        for i in expected.indices {
            let error = abs(actual[i] - expected[i]) / (abs(expected[i]) + scale + 1e-12)
            if !(error <= worst) { worst = error.isNaN ? .infinity : error }
        }
        return worst
    }
}
