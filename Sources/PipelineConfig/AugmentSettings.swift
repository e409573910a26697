/// Training-time augmentation and normalisation: the `augment` section.
public struct AugmentSettings: Equatable, Sendable {
    /// Pad-and-crop translation, in pixels (0: off).
    public var translate: Int = 0
    /// Random horizontal flip.
    public var flip: Bool = false
    /// Side of the square cut out of each image, in pixels (0: off).
    public var cutout: Int = 0
    public var normalize: Normalization = .auto

    public init() {}
}

/// Per-channel normalisation of the input images.
public enum Normalization: Equatable, Sendable {
    /// Mean and standard deviation measured on the training split.
    case auto
    /// Pixels scaled to [0, 1] only.
    case none
    /// Given per-channel (r, g, b) mean and standard deviation, in [0, 1] pixel units.
    case fixed(mean: [Double], std: [Double])
}
