import ImageFiles

/// What a network trained on a data set promises about its input and output: the size images
/// are brought to (and how), and the classes its outputs stand for, in order. A checkpoint
/// keeps it, so that `evaluate`, `predict`, `export` and `activations` need no training data.
public struct DataContract: Equatable, Sendable {
    public var classNames: [String]
    public var imageSize: ImageSize
    /// How other sizes are brought to `imageSize`; nil for data sets that come at their size (CIFAR).
    public var resize: ResizeRule?

    public init(classNames: [String], imageSize: ImageSize, resize: ResizeRule? = nil) {
        self.classNames = classNames
        self.imageSize = imageSize
        self.resize = resize
    }

    /// What a pipeline's data settings say without opening any file: everything for the
    /// built-in sets, nil for a folder (its classes are its sub-folders).
    public static func known(from settings: DataSettings) -> DataContract? {
        switch settings.source {
        case .synthetic: return DataContract(classNames: SyntheticDataset.names, imageSize: .cifar)
        case .cifar10: return DataContract(classNames: CIFAR10Loader.defaultClassNames, imageSize: .cifar)
        case .cifar100:
            // The names are in the data set's files; the count is all a network needs.
            return DataContract(classNames: (0..<settings.cifar100Labels.classCount).map { "class \($0)" }, imageSize: .cifar)
        case .folder: return nil
        }
    }
}
