import Checkpoints
import Foundation

/// Writes a run's checkpoints: `last.h5`, `best.h5` (by validation accuracy) and numbered
/// `epoch-NNN.h5` files, keeping the newest `keep` numbered ones. Each save is atomic
/// (`CheckpointFile.save` writes a temporary file, flushes it and renames it).
public final class CheckpointWriter {
    public enum Kind: Hashable { case last, best, numbered }

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
            let url = folder.appendingPathComponent(name(kind, epoch: epoch))
            try CheckpointFile.save(checkpoint, to: url.path)
            written = url
            if kind == .last { lastSaved = url }
        }
        if kinds.contains(.numbered) { try prune() }
        return written ?? folder.appendingPathComponent("last.h5")
    }

    func name(_ kind: Kind, epoch: Int) -> String {
        switch kind {
        case .last: return "last.h5"
        case .best: return "best.h5"
        case .numbered: return String(format: "epoch-%03d.h5", epoch)
        }
    }

    /// Removes numbered checkpoints beyond the newest `keep`.
    private func prune() throws {
        let numbered = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("epoch-") && $0.hasSuffix(".h5") }
            .sorted()
        for old in numbered.dropLast(max(keep, 0)) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(old))
        }
    }
}
