import Checkpoints
import FileOutput
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
        try OutputFile.write(Data((MetricsLog.header + "\n" + metrics.map(row).joined()).utf8), to: url.path)
    }

    /// The file with one more row, written whole rather than appended, so that a disk that fills
    /// up mid-write leaves the earlier rows as they were instead of half a row after them.
    public func append(_ m: EpochMetrics) throws {
        var text = FileManager.default.fileExists(atPath: url.path) ? try Data(contentsOf: url)
            : Data((MetricsLog.header + "\n").utf8)
        if let last = text.last, last != UInt8(ascii: "\n") { text.append(UInt8(ascii: "\n")) }
        text.append(Data(row(m).utf8))
        try OutputFile.write(text, to: url.path)
    }

    private func row(_ m: EpochMetrics) -> String {
        [String(m.epoch), fmt(m.trainLoss), fmt(m.trainAccuracy), fmt(m.validationLoss), fmt(m.validationAccuracy),
                   String(format: "%.6g", m.learningRate), String(format: "%.1f", m.imagesPerSecond), String(format: "%.2f", m.seconds)]
            .joined(separator: ",") + "\n"
    }

    private func fmt(_ value: Double) -> String { value.isNaN ? "" : String(format: "%.5f", value) }
}
