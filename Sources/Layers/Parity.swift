/// How a kernel's result is held to its CPU reference: one measure and one set of tolerances for
/// the parity tests (`Tests/LayersTests`, `Tests/OptimizationTests`) and `conveyor check` alike,
/// documented in docs/performance.md.
///
/// Errors are relative: the largest over the elements of |device - reference| / (|reference| +
/// mean |reference|), so an element near zero is judged against the tensor's typical magnitude
/// rather than against itself. NaN counts as an infinite error.
public enum Parity {
    /// Products and reductions whose float32 sums run in another order than the reference's
    /// (convolutions, fully connected, pooling, batch norm forward, activations, whitening,
    /// losses). Winograd convolutions hold their own (`ConvAlgorithm.tolerance`).
    public static let standard: Float = 1e-4
    /// Batch norm's input gradient in training: two batch-wide sums feed every element.
    public static let batchNormInputGradient: Float = 2e-4
    /// The SGD update and the lookahead sync: a few multiply-adds per element.
    public static let update: Float = 1e-5
    /// Copies: flips, reflect-padded shifts and the correct flags of the losses must be exact.
    public static let exact: Float = 0

    /// The worst element's index and relative error; sizes that differ are an infinite error at
    /// index 0, an empty pair no error.
    public static func worst(_ actual: [Float], _ expected: [Float]) -> (index: Int, error: Float) {
        guard actual.count == expected.count else { return (0, .infinity) }
        guard !expected.isEmpty else { return (0, 0) }
        let scale = expected.reduce(0) { $0 + abs($1) } / Float(expected.count)
        var worst: (index: Int, error: Float) = (0, 0)
        for i in expected.indices {
            let error = abs(actual[i] - expected[i]) / (abs(expected[i]) + scale + 1e-12)
            if !(error <= worst.error) { worst = (i, error.isNaN ? .infinity : error) }
        }
        return worst
    }
}
