/// The tolerances `conveyor check` holds each kernel's results to: the ones the parity tests use
/// (`Tests/LayersTests`, `Tests/OptimizationTests`), documented in docs/performance.md.
///
/// Errors are relative, as the tests' `assertClose` measures them: the largest over the elements
/// of |device - reference| / (|reference| + mean |reference|), so an element near zero is
/// judged against the tensor's typical magnitude rather than against itself. NaN counts as an
/// infinite error.
public enum KernelCheckTolerance {
    /// Products and reductions whose float32 sums run in another order than the reference's
    /// (convolutions, fully connected, pooling, batch norm forward, activations, whitening,
    /// losses): `assertClose`'s default.
    public static let standard: Float = 1e-4
    /// Batch norm's input gradient in training: two batch-wide sums feed every element
    /// (BatchNormTests, ReferenceContractTests).
    public static let batchNormInputGradient: Float = 2e-4
    /// The SGD update and the lookahead sync: a few multiply-adds per element (SGDTests,
    /// MomentumSGDTests).
    public static let update: Float = 1e-5
    /// Copies: flips, reflect-padded shifts and the correct flags of the losses must be exact.
    public static let exact: Float = 0
}
