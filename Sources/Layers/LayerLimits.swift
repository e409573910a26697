/// The largest values a layer's settings may take in a pipeline file, so that no typed value
/// can overflow or allocate without limit; far above any sensible setting.
public enum LayerLimits {
    /// conv filters and groups, fc outputs.
    public static let channels = 65_536
    /// conv and pool size, stride, padding and dilation, whitening patch size (pixels).
    public static let kernelExtent = 32
    /// Epoch counts of a layer (the whitening bias's `bias_epochs`), as train.epochs.
    public static let epochs = 100_000
    /// residual `repeat` (ResNet-152's longest stage has 36 blocks).
    public static let blockRepeats = 256
}
