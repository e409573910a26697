import Foundation

/// The learning rate of a run at every step, and the only place that computes it.
///
/// `optimizer.lr` is the rate for `train.reference_batch` images; a run at another batch scales
/// it linearly (Goyal et al.), and the schedule shapes the scaled rate over the epochs. Per-kind
/// multipliers are applied after this, by `MomentumSGD.rule`.
public struct LearningRatePolicy: Sendable {
    /// `optimizer.lr` as written in the pipeline file.
    public let baseRate: Double
    /// The batch the run trains with, and the batch `baseRate` was tuned for (nil: not scaled).
    public let batch: Int
    public let referenceBatch: Int?
    public let schedule: LearningRateSchedule
    public let stepsPerEpoch: Int

    public init(optimizer: OptimizerSettings, schedule: ScheduleSettings, epochs: Int, batch: Int, referenceBatch: Int?,
                stepsPerEpoch: Int) {
        baseRate = optimizer.lr
        self.batch = batch
        self.referenceBatch = referenceBatch
        self.stepsPerEpoch = max(stepsPerEpoch, 1)
        let scaled = referenceBatch.map { optimizer.lr * Double(batch) / Double($0) } ?? optimizer.lr
        self.schedule = LearningRateSchedule(settings: schedule, peakRate: scaled, totalEpochs: Double(epochs))
    }

    /// `baseRate` scaled to the batch: the rate the schedule's multipliers apply to.
    public var scaledRate: Double { schedule.peakRate }

    /// The learning rate at a global step (the schedule at fractional epoch step / stepsPerEpoch).
    public func learningRate(atStep step: Int) -> Double {
        schedule.rate(atEpoch: Double(step) / Double(stepsPerEpoch))
    }

    /// One line for the user: the scaled rate and where it comes from.
    public var summary: String {
        if let referenceBatch {
            return "learning rate \(format(scaledRate)) (= \(format(baseRate)) x \(batch)/\(referenceBatch))"
        }
        return "learning rate \(format(scaledRate)) (no train.reference_batch, so not scaled)"
    }

    private func format(_ value: Double) -> String { String(format: "%.6g", value) }
}
