/// A layer some of whose values are measured from the training images rather than drawn from
/// the seed (the patch-whitening filters). `Model.initializeFromData(sample:count:)` calls
/// `initialize` on every such layer at the start of a new run; the values then live in the
/// layer's parameters, so checkpoints store them and a resumed run never measures them again.
public protocol DataInitializedLayer: Layer {
    /// Measures the layer's values from `count` NCHW images of `inputShape`, normalised as the
    /// network sees them, and writes them into its parameters.
    func initialize(fromImages images: [Float], count: Int) throws

    /// Writes the values of the last `initialize(fromImages:count:)` into the parameters again
    /// (nothing before the first), for after a generic initialiser has overwritten them.
    func reapplyDataInitialization() throws
}
