import ImageFiles

/// Where images come from and how the input stages run: the `data` section of a pipeline file.
public struct DataSettings: Equatable, Sendable {
    public var source: DataSourceKind = .synthetic
    /// Folder of the CIFAR-10 binary batches, or (`folder`) the image folder a fraction is held out of.
    public var path: String = "data/cifar-10-batches-bin"
    public var train: CIFAR10Split = .batches([1, 2, 3, 4])
    /// Empty: no validation.
    public var validation: CIFAR10Split = .batches([5])
    public var syntheticTrain: Int = 10000
    public var syntheticValidation: Int = 2000
    public var syntheticSeed: Int = 1
    /// Augmentation worker threads.
    public var workers: Int = 2
    /// Queue capacity, in batches.
    public var prefetch: Int = 4
    /// Image folders: the folder settings (`folder` source only).
    public var folder = FolderSettings()
    /// CIFAR-100: fine (100) or coarse (20) labels; validation on test.bin unless false.
    public var cifar100Labels: CIFAR100Labels = .fine
    public var cifar100Validation = true

    public init() {}

    /// The size of the images the network sees: the folder's `image_size`, else CIFAR's.
    public var imageSize: ImageSize {
        switch source {
        case .synthetic, .cifar10, .cifar100: return .cifar
        case .folder: return folder.imageSize ?? .cifar
        }
    }
}

/// The `data` keys of an image folder (`source: folder`).
public struct FolderSettings: Equatable, Sendable {
    /// `data.train` and `data.validation` as folders; nil: `data.path` with a held-out fraction.
    public var trainFolder: String?
    /// nil with `trainFolder`: no validation.
    public var validationFolder: String?
    /// Of `data.path`, held out by `HeldOutSplit`.
    public var validationFraction: Double = 0.2
    public var splitSeed: Int = 0
    /// Required for a folder (images come in any size).
    public var imageSize: ImageSize?
    public var resize: ResizeRule = .crop
    public var onBadImage: BadImagePolicy = .refuse
    public var minimumSide: Int = 8
    /// Where imported folders are cached; nil: `ImageFolderCache.defaultFolder`.
    public var cache: String?

    public init() {}

    public func importSettings(size: ImageSize) -> ImageImportSettings {
        ImageImportSettings(size: size, resize: resize, onBadImage: onBadImage, minimumSide: minimumSide)
    }
}

/// Which data set a pipeline reads.
public enum DataSourceKind: String, CaseIterable, Sendable {
    case synthetic
    case cifar10
    /// The binary version of CIFAR-100: train.bin, test.bin, fine or coarse labels.
    case cifar100
    /// A folder of JPEG and PNG images in torchvision's ImageFolder layout, decoded once.
    case folder
}
