import Checkpoints
import Foundation

/// Writes a run's checkpoints: `last.h5`, `best.h5` (by validation accuracy) and numbered
/// `epoch-NNN.h5` files, keeping the newest `keep` numbered ones. Each save is atomic
/// (`CheckpointFile.save` writes a temporary file, flushes it and renames it).
///
/// The names, the pruning and the rule for `best.h5` live here alone: `RunFolder` completes a
/// save cut short and finds the newest checkpoint through them.
public final class CheckpointWriter {
    public enum Kind: Hashable { case last, best, numbered }

    public static let lastName = "last.h5"
    public static let bestName = "best.h5"

    public let folder: URL
    public let keep: Int
    public private(set) var lastSaved: URL?

    public init(folder: URL, keep: Int) {
        self.folder = folder
        self.keep = keep
    }

    /// Writes `checkpoint` as each of `kinds`, `last.h5` first; returns the last file written.
    @discardableResult
    public func save(_ checkpoint: Checkpoint, epoch: Int, kinds: Set<Kind>) throws -> URL {
        var written: URL?
        // last.h5 first: a kill between two saves leaves last.h5 the newest checkpoint of the folder
        // (a missing best or numbered file of that epoch is written on resume by `RunFolder`).
        for kind in [Kind.last, .numbered, .best] where kinds.contains(kind) {
            let url = folder.appendingPathComponent(Self.name(kind, epoch: epoch))
            try CheckpointFile.save(checkpoint, to: url.path)
            written = url
            if kind == .last { lastSaved = url }
        }
        if kinds.contains(.numbered) { Self.prune(folder: folder, keep: keep) }
        return written ?? folder.appendingPathComponent(Self.lastName)
    }

    public static func name(_ kind: Kind, epoch: Int) -> String {
        switch kind {
        case .last: return lastName
        case .best: return bestName
        case .numbered: return String(format: "epoch-%03d.h5", epoch)
        }
    }

    /// Whether epoch `epoch` writes `last.h5` and a numbered checkpoint (`checkpoint.interval`).
    public static func isSaveEpoch(_ epoch: Int, interval: Int) -> Bool { epoch % max(interval, 1) == 0 }

    /// `epoch-NNN.h5`: names sort in epoch order (three digits and more).
    public static func isNumbered(_ name: String) -> Bool { name.hasPrefix("epoch-") && name.hasSuffix(".h5") }

    /// The numbered checkpoints of `folder`, oldest first.
    public static func numbered(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter(isNumbered).sorted()
    }

    /// Removes numbered checkpoints beyond the newest `keep` (`checkpoint.keep` is at least 1).
    static func prune(folder: URL, keep: Int) {
        for old in numbered(in: folder).dropLast(max(keep, 1)) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(old))
        }
    }

    /// Whether an epoch's validation accuracy makes it `best.h5`: it beats every earlier epoch's
    /// (epochs without a validation count for nothing).
    public static func isBest(_ accuracy: Double, earlier: some Sequence<EpochMetrics>) -> Bool {
        !accuracy.isNaN && earlier.allSatisfy { $0.validationAccuracy.isNaN || $0.validationAccuracy < accuracy }
    }
}
