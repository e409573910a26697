/// The `train` section.
public struct TrainSettings: Equatable, Sendable {
    public var epochs: Int = 10
    public var batch: BatchSetting = .fixed(100)
    /// Seed of initialisation, shuffling and augmentation.
    public var seed: Int = 0
    /// Validate every this many epochs (and always after the last).
    public var evalInterval: Int = 1
    /// The batch the learning rate was tuned for; with `batch: auto` the rate scales by
    /// chosen / reference. Nil: the rate is used as given.
    public var referenceBatch: Int? = nil
    /// Upper bound for `batch: auto`.
    public var maxBatch: Int = 4096
    /// Share of device global memory `batch: auto` may plan for, in (0, 1].
    public var memoryFraction: Double = 0.9
    public var tta: TestTimeAugmentation = .none
    /// False: `tta` applies to the last epoch's validation only (the earlier ones run plain),
    /// which saves most of the validation time of `flip_translate` (six views per image).
    public var ttaEveryEpoch: Bool = true
    /// Data-parallel runs (mpirun): batch norm normalises with the statistics of the global
    /// batch, added over the ranks, instead of each rank's share (PyTorch's SyncBatchNorm).
    /// No effect in a single process; needs a batchnorm layer.
    public var syncBatchnorm: Bool = false

    public init() {}
}

/// A fixed batch size, or the largest that fits the device.
public enum BatchSetting: Equatable, Sendable, CustomStringConvertible {
    case fixed(Int)
    case auto

    /// The size of a fixed batch; nil for `auto`.
    public var fixedValue: Int? {
        if case let .fixed(size) = self { return size }
        return nil
    }

    public var description: String {
        switch self {
        case .fixed(let size): return String(size)
        case .auto: return "auto"
        }
    }
}

/// Test-time augmentation for validation and evaluation.
public enum TestTimeAugmentation: String, CaseIterable, Sendable {
    case none
    /// Average the logits of the image and its mirror.
    case flip
    /// airbench's level 2: L = 0.5 m(x) + 0.5 mean(m(t1 x), m(t2 x)), m(v) = 0.5 f(v) + 0.5 f(mirror v),
    /// t1 and t2 one-pixel translations (down-right and up-left) with reflect padding: six views.
    case flipTranslate = "flip_translate"
}
