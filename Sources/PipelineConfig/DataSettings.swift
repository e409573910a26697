/// Where images come from: the `data` section.
public struct DataSettings: Equatable, Sendable {
    public var source: DataSource = .synthetic
    /// Folder of the CIFAR-10 binary batches.
    public var path: String = "data/cifar-10-batches-bin"
    public var train: [DataSplit] = [.batch(1), .batch(2), .batch(3), .batch(4)]
    /// May be empty: no validation.
    public var validation: [DataSplit] = [.batch(5)]
    public var syntheticTrain: Int = 10000
    public var syntheticValidation: Int = 2000
    public var syntheticSeed: Int = 1
    /// Augmentation worker threads.
    public var workers: Int = 2
    /// Queue capacity, in batches.
    public var prefetch: Int = 4

    public init() {}
}

public enum DataSource: String, CaseIterable, Sendable {
    case synthetic
    case cifar10
}

/// One CIFAR-10 file: `data_batch_N.bin` (N in 1...5) or `test_batch.bin`.
public enum DataSplit: Equatable, Hashable, Sendable, CustomStringConvertible {
    case batch(Int)
    case test

    /// The file name in the CIFAR-10 binary folder.
    public var fileName: String {
        switch self {
        case .batch(let number): return "data_batch_\(number).bin"
        case .test: return "test_batch.bin"
        }
    }

    public var description: String {
        switch self {
        case .batch(let number): return String(number)
        case .test: return "test"
        }
    }
}
