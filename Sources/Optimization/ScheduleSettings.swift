/// How the learning rate changes over training: the `schedule` section. Positions are in
/// (fractional) epochs.
public struct ScheduleSettings: Equatable, Sendable {
    public var type: ScheduleType = .constant
    /// Linear warm-up from 0 over this many epochs, on top of any type.
    public var warmupEpochs: Double = 0
    /// `step`: multiply by `gamma` every this many epochs.
    public var stepEpochs: Double = 10
    public var gamma: Double = 0.1
    /// `multistep`: epochs at which the rate is multiplied by `gamma`, ascending.
    public var milestones: [Double] = []
    /// `cosine`: the rate at the last epoch.
    public var minLR: Double = 0
    /// `piecewise`: (epoch, multiplier) points, ascending in epoch, joined by straight lines.
    public var points: [SchedulePoint] = []

    public init() {}
}

public enum ScheduleType: String, CaseIterable, Sendable {
    case constant, step, multistep, cosine, piecewise
}

/// One corner of a piecewise-linear schedule.
public struct SchedulePoint: Equatable, Sendable {
    public var epoch: Double
    public var multiplier: Double

    public init(epoch: Double, multiplier: Double) {
        self.epoch = epoch
        self.multiplier = multiplier
    }
}
