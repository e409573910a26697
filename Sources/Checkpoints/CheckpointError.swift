import Foundation

/// Why a checkpoint could not be loaded or saved, in words that say what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case corrupt(path: String, detail: String)
    case notACheckpoint(path: String, found: String?)
    case newerVersion(path: String, version: Int64, supported: Int)
    case shapeMismatch(path: String, object: String, shape: [Int], count: Int)
    case invalidName(name: String)
    case saveFailed(path: String, detail: String)
    /// The disk (or the file-size limit) had no room for the checkpoint; `detail` says where.
    case outOfSpace(path: String, detail: String)
    /// A tensor with NaN or infinite values: the run had diverged when it was saved.
    case nonFinite(path: String, object: String, count: Int, total: Int)
    /// Values no run can produce (an epoch or step count beyond any run, a version below 1).
    case implausible(path: String, detail: String)
    /// The path is a folder.
    case isFolder(path: String)
    /// Reading the file crashed the process that read it (libhdf5 on a damaged file, docs/testing.md):
    /// `CheckpointTrialRead` read it in a child process, which died by `signal`.
    case crashedReading(path: String, signal: Int32)
    /// The child reading the file had not finished after `seconds` (libhdf5 looping on a damaged
    /// file, or a path that never delivers data such as a named pipe) and was killed.
    case hungReading(path: String, seconds: Int)
    /// The child reading the file refused it; `message` is its refusal, word for word (the file is
    /// not read again here: the refusal may be an allocation the child was limited from making).
    case refusedInChild(path: String, message: String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "no checkpoint at \(path): check the path (checkpoints are written to runs/<name>/last.h5, best.h5)"
        case .corrupt(let path, let detail):
            return "\(path) is truncated or corrupt (\(detail)); use an earlier checkpoint, e.g. best.h5 or a numbered one"
        case .notACheckpoint(let path, let found):
            let what = found.map { "its format attribute is \"\($0)\"" } ?? "it has no format attribute"
            return "\(path) is an HDF5 file but not a Conveyor checkpoint (\(what), expected \"\(Checkpoint.format)\")"
        case .newerVersion(let path, let version, let supported):
            return "\(path) is checkpoint version \(version), newer than this Conveyor reads (\(supported)); update Conveyor"
        case .shapeMismatch(let path, let object, let shape, let count):
            return "\(path): \(object) has \(count) values but its shape \(shape) needs \(shape.reduce(1, *)); the file is corrupt or was written wrongly"
        case .invalidName(let name):
            return "\"\(name)\" cannot name a layer or tensor in a checkpoint: use a non-empty name without '/' that is not '.'"
        case .nonFinite(let path, let object, let count, let total):
            return "\(path): \(object) holds \(count) NaN or infinite values (of \(total)); the run had diverged when it was saved, "
                + "so it cannot be evaluated or resumed: use an earlier checkpoint (a numbered one or best.h5)"
        case .implausible(let path, let detail):
            return "\(path): \(detail), which no run writes; the file is damaged or was not written by Conveyor: "
                + "use another checkpoint"
        case .isFolder(let path):
            return "\(path) is a folder, not a checkpoint file; give a file in it, such as \((path as NSString).appendingPathComponent("last.h5"))"
        case .crashedReading(let path, let signal):
            let name = Self.signalNames[signal].map { ", \($0)" } ?? ""
            return "checkpoint \(path) is damaged: the HDF5 library crashed reading it (signal \(signal)\(name)); it was read in a "
                + "separate process, so nothing else was touched: use another checkpoint (best.h5 or a numbered one)"
        case .hungReading(let path, let seconds):
            return "checkpoint \(path) could not be read: reading it had not finished after \(seconds) s (a damaged file on which "
                + "the HDF5 library loops, or not a regular file); use another checkpoint (best.h5 or a numbered one)"
        case .refusedInChild(_, let message):
            return message
        case .outOfSpace(let path, let detail):
            let folder = (path as NSString).deletingLastPathComponent
            return "could not save the checkpoint: \(detail). Every earlier checkpoint and metrics.csv row is intact: "
                + "once there is room, `conveyor resume \(folder.isEmpty ? "." : folder)` goes on from the newest"
        case .saveFailed(let path, let detail):
            return "could not save the checkpoint \(path): \(detail); the previous checkpoint there is untouched"
        }
    }

    /// The signals a crashing reader dies by, for the message.
    static let signalNames: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGFPE: "SIGFPE",
                                               SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGSYS: "SIGSYS"]
}
