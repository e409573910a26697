import ImageFiles

/// What a bad image file does to an import (`data.on_bad_image`).
public enum BadImagePolicy: String, CaseIterable, Sendable {
    /// Stop, naming the file: the default, so that a damaged data set is noticed.
    case refuse
    /// Leave it out, count it, and say how many were left out.
    case skip
}

/// How images are decoded once: their size and resize rule, and what is refused.
public struct ImageImportSettings: Equatable, Hashable, Sendable {
    public var size: ImageSize
    public var resize: ResizeRule
    public var onBadImage: BadImagePolicy
    /// Pictures with a side shorter than this are bad images (`data.min_image_side`).
    public var minimumSide: Int

    public init(size: ImageSize, resize: ResizeRule = .crop, onBadImage: BadImagePolicy = .refuse, minimumSide: Int = 8) {
        self.size = size
        self.resize = resize
        self.onBadImage = onBadImage
        self.minimumSide = minimumSide
    }

    public var resizer: ImageResizer { ImageResizer(size: size, rule: resize) }
}
