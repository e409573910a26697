import Foundation

/// The shape of the learning rate over training: a pure function of the (fractional) epoch
/// that scales `peakRate`. `LearningRatePolicy` calls it every step with `e = step / stepsPerEpoch`.
public struct LearningRateSchedule: Equatable, Sendable {
    public var settings: ScheduleSettings
    public var peakRate: Double
    /// Length of training in epochs (the cosine period).
    public var totalEpochs: Double

    public init(settings: ScheduleSettings, peakRate: Double, totalEpochs: Double) {
        self.settings = settings
        self.peakRate = peakRate
        self.totalEpochs = totalEpochs
    }

    public func rate(atEpoch e: Double) -> Double {
        let e = max(0, e)
        var lr: Double
        switch settings.type {
        case .constant:
            lr = peakRate
        case .step:
            lr = peakRate * pow(settings.gamma, (e / settings.stepEpochs).rounded(.down))
        case .multistep:
            let passed = settings.milestones.filter { e >= $0 }.count
            lr = peakRate * pow(settings.gamma, Double(passed))
        case .cosine:
            let t = totalEpochs > 0 ? min(e, totalEpochs) / totalEpochs : 1
            lr = settings.minLR + (peakRate - settings.minLR) * (1 + cos(Double.pi * t)) / 2
        case .piecewise:
            lr = peakRate * Self.interpolate(settings.points, at: e)
        }
        if settings.warmupEpochs > 0, e < settings.warmupEpochs {
            lr *= e / settings.warmupEpochs
        }
        return lr
    }

    /// Linear interpolation between the points; flat beyond the first and last.
    static func interpolate(_ points: [SchedulePoint], at e: Double) -> Double {
        guard let first = points.first, let last = points.last else { return 1 }
        if e <= first.epoch { return first.multiplier }
        if e >= last.epoch { return last.multiplier }
        for (a, b) in zip(points, points.dropFirst()) where e <= b.epoch {
            let span = b.epoch - a.epoch
            if span <= 0 { return b.multiplier }
            return a.multiplier + (b.multiplier - a.multiplier) * (e - a.epoch) / span
        }
        return last.multiplier
    }
}
