/// Where images come from and how the input stages run: the `data` section of a pipeline file.
public struct DataSettings: Equatable, Sendable {
    public var source: DataSourceKind = .synthetic
    /// Folder of the CIFAR-10 binary batches.
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

    public init() {}
}

/// Which data set a pipeline reads.
public enum DataSourceKind: String, CaseIterable, Sendable {
    case synthetic
    case cifar10
}
