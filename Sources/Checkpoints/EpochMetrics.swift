/// One epoch's figures: a row of the checkpoint's /metrics table and of `runs/<name>/metrics.csv`.
/// Values a run did not measure (no validation set) are NaN.
public struct EpochMetrics: Sendable, Codable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double
    public var validationAccuracy: Double
    public var learningRate: Double
    public var imagesPerSecond: Double
    public var seconds: Double

    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double = .nan,
                validationAccuracy: Double = .nan, learningRate: Double, imagesPerSecond: Double, seconds: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
        self.imagesPerSecond = imagesPerSecond
        self.seconds = seconds
    }

    /// Column names in /metrics, in table order; `epoch` is int64, every other column float64.
    public static let columns = ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                                 "learning_rate", "images_per_second", "seconds"]

    /// NaN compares unequal to itself; two rows are equal when every value is the same bits.
    public static func == (a: EpochMetrics, b: EpochMetrics) -> Bool {
        a.epoch == b.epoch && a.doubles.map(\.bitPattern) == b.doubles.map(\.bitPattern)
    }

    /// The float64 columns, in `columns` order after `epoch`.
    var doubles: [Double] {
        [trainLoss, trainAccuracy, validationLoss, validationAccuracy, learningRate, imagesPerSecond, seconds]
    }
}
