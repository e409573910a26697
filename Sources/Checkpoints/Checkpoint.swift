/// Everything a run needs to resume, as stored in one HDF5 file (see docs/checkpoints.md).
///
/// `layers` and `optimizer` keep their order (the file stores it in a `layers` attribute, since
/// HDF5 lists groups alphabetically). Optimizer tensors are named as on disk, `<param>_momentum`.
/// `state` holds named 64-bit values the trainer needs back exactly (the batch size; there are no
/// RNG positions to keep: data order and dropout masks are functions of seed, epoch and step).
public struct Checkpoint: Equatable, Sendable {
    public static let format = "conveyor-checkpoint"
    public static let currentVersion = 1

    public var epoch: UInt64
    public var step: UInt64
    public var seed: UInt64
    /// The pipeline file, YAML text.
    public var config: String
    public var layers: [LayerTensors]
    public var optimizer: [LayerTensors]
    public var metrics: [EpochMetrics]
    public var state: [String: UInt64]
    /// The input normalisation measured from the training data; nil when the run stored none
    /// (checkpoints written before it existed load with nil).
    public var normalization: InputNormalization?
    /// The classes and input size the network was trained for; nil in checkpoints written
    /// before they were stored (those trained on CIFAR-10 or synthetic data at 32x32).
    public var data: DataDescription?

    /// What `/data` holds: the class names in output order, the image size, the resize rule.
    public struct DataDescription: Equatable, Sendable {
        public var classNames: [String]
        public var height: Int
        public var width: Int
        /// "crop" or "stretch"; nil for data sets used at their own size.
        public var resize: String?

        public init(classNames: [String], height: Int, width: Int, resize: String? = nil) {
            self.classNames = classNames
            self.height = height
            self.width = width
            self.resize = resize
        }
    }

    public init(epoch: UInt64, step: UInt64, seed: UInt64, config: String, layers: [LayerTensors] = [],
                optimizer: [LayerTensors] = [], metrics: [EpochMetrics] = [], state: [String: UInt64] = [:],
                normalization: InputNormalization? = nil) {
        self.epoch = epoch
        self.step = step
        self.seed = seed
        self.config = config
        self.layers = layers
        self.optimizer = optimizer
        self.metrics = metrics
        self.state = state
        self.normalization = normalization
    }
}
