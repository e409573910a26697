import Checkpoints
import Foundation

/// Appends a row per epoch to `metrics.csv`, writing the header when the file is new.
public struct MetricsLog {
    public static let header = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,images_per_second,seconds"
    public let url: URL

    public init(folder: URL) {
        url = folder.appendingPathComponent("metrics.csv")
    }

    public func append(_ m: EpochMetrics) throws {
        let row = [String(m.epoch), fmt(m.trainLoss), fmt(m.trainAccuracy), fmt(m.validationLoss), fmt(m.validationAccuracy),
                   String(format: "%.6g", m.learningRate), String(format: "%.1f", m.imagesPerSecond), String(format: "%.2f", m.seconds)]
            .joined(separator: ",") + "\n"
        if !FileManager.default.fileExists(atPath: url.path) {
            try (MetricsLog.header + "\n").write(to: url, atomically: true, encoding: .utf8)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(row.utf8))
    }

    private func fmt(_ value: Double) -> String { value.isNaN ? "" : String(format: "%.5f", value) }
}
