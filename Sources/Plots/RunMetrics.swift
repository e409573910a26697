import Foundation

/// The per-epoch curves of one run, read from its folder's `metrics.csv` (columns found by
/// name, so older or newer files with extra columns read too). Empty cells (no validation that
/// epoch) are NaN.
public struct RunMetrics: Equatable {
    public let name: String
    public let epochs: [Int]
    public let trainLoss: [Double]
    public let validationLoss: [Double]
    /// Fractions in [0, 1].
    public let trainAccuracy: [Double]
    public let validationAccuracy: [Double]

    public init(name: String, epochs: [Int], trainLoss: [Double], validationLoss: [Double], trainAccuracy: [Double],
                validationAccuracy: [Double]) {
        self.name = name
        self.epochs = epochs
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.trainAccuracy = trainAccuracy
        self.validationAccuracy = validationAccuracy
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
        return try parse(text: text, path: path, name: URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent)
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
        for (number, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count >= header.count, let epoch = Int(cells[column["epoch"]!]) else {
                throw PlotError("\(path) line \(number + 2) is not a metrics row: \(line)")
            }
            func value(_ name: String) -> Double { Double(cells[column[name]!]) ?? .nan }
            epochs.append(epoch)
            trainLoss.append(value("train_loss"))
            validationLoss.append(value("val_loss"))
            trainAccuracy.append(value("train_accuracy"))
            validationAccuracy.append(value("val_accuracy"))
        }
        guard !epochs.isEmpty else { throw PlotError("\(path) has no rows yet; train at least one epoch first") }
        return RunMetrics(name: name, epochs: epochs, trainLoss: trainLoss, validationLoss: validationLoss,
                          trainAccuracy: trainAccuracy, validationAccuracy: validationAccuracy)
    }
}

/// A run folder that cannot be plotted, said so that the user knows what to give instead.
public struct PlotError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
