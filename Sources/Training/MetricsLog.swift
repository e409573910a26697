import Checkpoints
import Foundation

/// Appends a row per epoch to `metrics.csv`, writing the header when the file is new.
public struct MetricsLog {
    public static let header = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,images_per_second,seconds"
    public static let fileName = "metrics.csv"
    public let url: URL

    public init(folder: URL) {
        url = folder.appendingPathComponent(Self.fileName)
    }

    /// Replaces the file with the header and one row per entry of `metrics`, atomically (a
    /// temporary `metrics.csv.tmp-<pid>` renamed over it).
    public func rewrite(_ metrics: [EpochMetrics]) throws {
        let text = MetricsLog.header + "\n" + metrics.map(row).joined()
        let temporary = url.path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)), rename(temporary, url.path) == 0 else {
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }

    public func append(_ m: EpochMetrics) throws {
        let row = row(m)
        if !FileManager.default.fileExists(atPath: url.path) {
            try (MetricsLog.header + "\n").write(to: url, atomically: true, encoding: .utf8)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(row.utf8))
    }

    private func row(_ m: EpochMetrics) -> String {
        [String(m.epoch), fmt(m.trainLoss), fmt(m.trainAccuracy), fmt(m.validationLoss), fmt(m.validationAccuracy),
                   String(format: "%.6g", m.learningRate), String(format: "%.1f", m.imagesPerSecond), String(format: "%.2f", m.seconds)]
            .joined(separator: ",") + "\n"
    }

    private func fmt(_ value: Double) -> String { value.isNaN ? "" : String(format: "%.5f", value) }
}
