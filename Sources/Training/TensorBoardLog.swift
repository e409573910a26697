import Checkpoints
import FilterImages
import Foundation
import Interchange
import Model

/// The run's TensorBoard view (`tensorboard --logdir runs`): after every epoch the scalars of
/// its metrics row, and every `filterImageInterval` epochs (and after the last) the first
/// convolution's filter grid as a PNG image.
///
/// Each process writes a new event file that starts with a session START at the first epoch it
/// writes: TensorBoard then drops the points of earlier files from that epoch on (those of a run
/// resumed from an older checkpoint, which it trains again). On resume, epochs the checkpoint
/// holds but no earlier event file does (a kill between the checkpoint and the events) are
/// written first, so every epoch appears once.
final class TensorBoardLog {
    /// Tags of each epoch's scalars, in the order written.
    static let scalarTags = ["loss/train", "loss/validation", "accuracy/train", "accuracy/validation",
                             "learning_rate", "images_per_second"]
    static let filterTag = "filters/first_layer"

    private let file: TensorBoardEventFile
    private let filterImageInterval: Int

    init(folder: URL, filterImageInterval: Int, history: [EpochMetrics]) throws {
        let logged = Self.loggedEpochs(in: folder)
        file = try TensorBoardEventFile(folder: folder)
        self.filterImageInterval = filterImageInterval
        let missing = history.filter { !logged.contains($0.epoch) }
        let next = (history.last?.epoch ?? 0) + 1
        try file.addSessionStart(step: missing.first?.epoch ?? next)
        for metrics in missing { try addScalars(metrics) }
    }

    /// One epoch's scalars (NaN values, such as a skipped validation, are left out), and the
    /// filter grid when due. `filters` is read only when the image is due.
    func record(_ metrics: EpochMetrics, totalEpochs: Int, filters: () throws -> Checkpoint.Tensor?) throws {
        try addScalars(metrics)
        let due = filterImageInterval > 0 && (metrics.epoch % filterImageInterval == 0 || metrics.epoch == totalEpochs)
        if due, let weights = try filters() {
            let grid = try FilterGrid(weights: weights, scale: 4)
            try file.addImage(tag: Self.filterTag, png: try grid.image.encoded(), width: grid.image.width,
                              height: grid.image.height, channels: grid.image.channels, step: metrics.epoch)
        }
    }

    static func scalars(of m: EpochMetrics) -> [(tag: String, value: Double)] {
        zip(scalarTags, [m.trainLoss, m.validationLoss, m.trainAccuracy, m.validationAccuracy, m.learningRate, m.imagesPerSecond])
            .filter { !$0.1.isNaN }.map { ($0.0, $0.1) }
    }

    private func addScalars(_ metrics: EpochMetrics) throws {
        try file.addScalars(Self.scalars(of: metrics), step: metrics.epoch)
    }

    /// The epochs whose scalars TensorBoard shows from the folder's event files: read in its
    /// order, a session START at step s dropping those from s on (a cut-short last record is skipped).
    private static func loggedEpochs(in folder: URL) -> Set<Int> {
        var epochs: Set<Int> = []
        for url in TensorBoardEventFile.files(in: folder) {
            guard let events = try? TensorBoardEventFile.events(in: url, tolerateCutTail: true) else { continue }
            for event in events {
                if case .sessionLog(let log) = event.what, log.status == .start {
                    epochs = epochs.filter { $0 < Int(event.step) }
                } else if event.summary.value.contains(where: { $0.tag == scalarTags[0] }) {
                    epochs.insert(Int(event.step))
                }
            }
        }
        return epochs
    }
}

extension TensorBoardLog {
    /// The weights of the network's first layer with 4-D ones (a convolution or the whitening
    /// filters), as `conveyor filters` draws them; nil when there is none.
    static func firstFilters(of network: Network) throws -> Checkpoint.Tensor? {
        for layer in network.leafLayers {
            if let weight = layer.parameters.first(where: { $0.name == "weight" && $0.shape.count == 4 }) {
                return Checkpoint.Tensor(shape: weight.shape, values: try weight.value.read())
            }
        }
        return nil
    }
}
