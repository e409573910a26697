import Checkpoints
import Foundation

/// The per-epoch curves of one run, read from its folder's `metrics.csv` (columns found by
/// name, so older or newer files with extra columns read too) or from a checkpoint's /metrics.
/// Empty cells (no validation that epoch, a column an older file lacks) are NaN.
public struct RunMetrics: Equatable {
    public let name: String
    public let epochs: [Int]
    public let trainLoss: [Double]
    public let validationLoss: [Double]
    /// Fractions in [0, 1].
    public let trainAccuracy: [Double]
    public let validationAccuracy: [Double]
    /// At the end of each epoch.
    public let learningRate: [Double]
    public let imagesPerSecond: [Double]
    /// Wall time of each epoch, validation included.
    public let seconds: [Double]

    public init(name: String, epochs: [Int], trainLoss: [Double], validationLoss: [Double], trainAccuracy: [Double],
                validationAccuracy: [Double], learningRate: [Double]? = nil, imagesPerSecond: [Double]? = nil,
                seconds: [Double]? = nil) {
        let missing = [Double](repeating: .nan, count: epochs.count)
        self.name = name
        self.epochs = epochs
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.trainAccuracy = trainAccuracy
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate ?? missing
        self.imagesPerSecond = imagesPerSecond ?? missing
        self.seconds = seconds ?? missing
    }

    /// The rows a checkpoint keeps in /metrics (the same as its run's metrics.csv up to its epoch).
    public init(name: String, checkpointRows rows: [EpochMetrics]) {
        self.init(name: name, epochs: rows.map(\.epoch), trainLoss: rows.map(\.trainLoss), validationLoss: rows.map(\.validationLoss),
                  trainAccuracy: rows.map(\.trainAccuracy), validationAccuracy: rows.map(\.validationAccuracy),
                  learningRate: rows.map(\.learningRate), imagesPerSecond: rows.map(\.imagesPerSecond), seconds: rows.map(\.seconds))
    }

    /// Whether `folder` has a metrics.csv to read.
    public static func hasMetricsFile(folder: String) -> Bool {
        FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("metrics.csv"))
    }

    /// The largest metrics.csv read: a row is under 200 bytes and a run has at most 100000
    /// epochs, so a larger file is not one Conveyor wrote, and is refused before it is read.
    public static let maximumFileBytes = 32 << 20

    /// The run in `folder` (its last path component names it).
    public static func load(folder: String) throws -> RunMetrics {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PlotError("\(folder) is not a folder; give run folders such as runs/quickstart")
        }
        let path = (folder as NSString).appendingPathComponent("metrics.csv")
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maximumFileBytes {
            throw PlotError("\(path) is \(size) bytes, more than the \(maximumFileBytes) a metrics.csv of Conveyor can reach; "
                            + "give the run folder of a Conveyor run")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PlotError("\(folder) has no metrics.csv; give a run folder that has trained at least one epoch")
        }
        return try parse(text: text, path: path, name: runName(folder: folder))
    }

    /// The curves of one metrics.csv `text` (read from `path`, named `name`).
    public static func parse(text: String, path: String, name: String) throws -> RunMetrics {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else {
            throw PlotError("\(path) is empty; train at least one epoch first")
        }
        let needed = ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"]
        var column: [String: Int] = [:]
        for name in needed {
            guard let index = header.firstIndex(of: name) else {
                throw PlotError("\(path) has no '\(name)' column; its header is \(lines[0])")
            }
            column[name] = index
        }
        var epochs: [Int] = [], trainLoss: [Double] = [], validationLoss: [Double] = []
        var trainAccuracy: [Double] = [], validationAccuracy: [Double] = []
        var learningRate: [Double] = [], imagesPerSecond: [Double] = [], seconds: [Double] = []
        // Columns older files may lack: NaN then.
        let optional = ["learning_rate", "images_per_second", "seconds"].reduce(into: [String: Int]()) { found, name in
            found[name] = header.firstIndex(of: name)
        }
        for (number, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count >= header.count, let epoch = Int(cells[column["epoch"]!]) else {
                throw PlotError("\(path) line \(number + 2) is not a metrics row: \(line)")
            }
            func value(_ name: String) -> Double { Double(cells[column[name]!]) ?? .nan }
            func optionalValue(_ name: String) -> Double { optional[name].flatMap { Double(cells[$0]) } ?? .nan }
            epochs.append(epoch)
            trainLoss.append(value("train_loss"))
            validationLoss.append(value("val_loss"))
            trainAccuracy.append(value("train_accuracy"))
            validationAccuracy.append(value("val_accuracy"))
            learningRate.append(optionalValue("learning_rate"))
            imagesPerSecond.append(optionalValue("images_per_second"))
            seconds.append(optionalValue("seconds"))
        }
        guard !epochs.isEmpty else { throw PlotError("\(path) has no rows yet; train at least one epoch first") }
        return RunMetrics(name: name, epochs: epochs, trainLoss: trainLoss, validationLoss: validationLoss,
                          trainAccuracy: trainAccuracy, validationAccuracy: validationAccuracy, learningRate: learningRate,
                          imagesPerSecond: imagesPerSecond, seconds: seconds)
    }

    /// A run's name in legends: its folder's last path component, as the file system spells it.
    public static func runName(folder: String) -> String {
        URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
    }
}
