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

    /// Horizontal flips. A boolean literal still reads as before: `true` is `.random`, `false` `.off`.
    public enum Flip: String, CaseIterable, Equatable, Sendable, ExpressibleByBooleanLiteral {
        /// Never mirrored.
        case off
        /// Mirrored with probability 1/2, drawn afresh every epoch.
        case random
        /// airbench's alternating flip: each image's flip is drawn once (from the seed and the
        /// sample index, not the epoch; epoch 0 equals `.random`'s epoch 0), then every odd epoch
        /// all images are mirrored the other way, so each image is seen both ways every two epochs.
        case alternate

        public init(booleanLiteral value: Bool) { self = value ? .random : .off }
    }

    /// What a translation moves in at the border.
    public enum TranslatePadding: String, CaseIterable, Equatable, Sendable {
        /// The channel mean (0 after normalisation).
        case mean
        /// The reflection of the image without repeating the edge (PyTorch's 'reflect': index -1
        /// reads 1, index 32 reads 30), as airbench pads before its random crops.
        case reflect
    }

    /// Pad by this many pixels and crop back to 32x32 at a random offset.
    public var translate: Int
    /// The border a translation moves in (mean by default).
    public var translatePadding: TranslatePadding
    /// Horizontal flips: off, random (probability 1/2 each epoch) or alternate (airbench).
    public var flip: Flip
    /// Side of a square set to the mean (0 after normalisation) at a random centre; 0 for none.
    public var cutout: Int
    public var normalization: Normalization

    public init(translate: Int = 0, translatePadding: TranslatePadding = .mean, flip: Flip = .off, cutout: Int = 0,
                normalization: Normalization = .none) {
        self.translate = translate
        self.translatePadding = translatePadding
        self.flip = flip
        self.cutout = cutout
        self.normalization = normalization
    }

    /// Only normalisation, for validation and test splits.
    public static func evaluation(normalization: Normalization) -> AugmentSettings {
        AugmentSettings(normalization: normalization)
    }
}
