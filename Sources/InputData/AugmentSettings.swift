/// What the augmenter does to each training image.
public struct AugmentSettings: Equatable, Sendable {
    /// Per-channel normalisation; mean and std are on the 0...1 pixel scale (e.g. 0.4914 for red).
    public enum Normalization: Equatable, Sendable {
        /// Pixels scaled to 0...1.
        case none
        /// (pixel/255 - mean[c]) / std[c].
        case meanStd(mean: [Float], std: [Float])
        /// Mean and std measured once on the training split (see `ChannelStatistics`).
        case auto
    }

    /// Pad by this many pixels (with the mean, 0 after normalisation) and crop back to 32x32 at a random offset.
    public var translate: Int
    /// Mirror left-right with probability 1/2.
    public var flip: Bool
    /// Side of a square set to the mean (0 after normalisation) at a random centre; 0 for none.
    public var cutout: Int
    public var normalization: Normalization

    public init(translate: Int = 0, flip: Bool = false, cutout: Int = 0, normalization: Normalization = .none) {
        self.translate = translate
        self.flip = flip
        self.cutout = cutout
        self.normalization = normalization
    }

    /// Only normalisation, for validation and test splits.
    public static func evaluation(normalization: Normalization) -> AugmentSettings {
        AugmentSettings(normalization: normalization)
    }
}
