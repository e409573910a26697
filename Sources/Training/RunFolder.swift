import Checkpoints
import Foundation
import Interchange
import PipelineConfig

/// The folder of one run (`<checkpoint.folder>/<name>/`), claimed for the whole run so that
/// nothing in it is lost:
///
/// - an advisory `flock` on `run.lock`, held until the process exits: a second `train` or
///   `resume` of the same folder is refused, naming the holder's PID;
/// - a new run into a folder that already holds one (checkpoints or `metrics.csv`) is refused
///   unless it resumes that run or `--force` asks to delete it;
/// - temporary files of saves that were killed (`*.tmp-<pid>`) are removed;
/// - on resume, `metrics.csv` is rewritten from the checkpoint's metrics (no duplicate rows), and a
///   save that was cut short after `last.h5` (best or numbered checkpoint missing) is completed.
public final class RunFolder {
    public enum Mode: Equatable {
        /// A new run: the folder must not hold one.
        case new
        /// A new run that deletes the run the folder holds (`--force`).
        case force
        /// Goes on from `checkpoint` (a path); `force` allows a checkpoint older than the folder's newest.
        case resume(checkpoint: String, force: Bool)
    }

    public static let lockName = "run.lock"
    /// The files that make a folder hold a run.
    static func isRunFile(_ name: String) -> Bool {
        name == CheckpointWriter.lastName || name == CheckpointWriter.bestName || name == MetricsLog.fileName
            || CheckpointWriter.isNumbered(name)
    }

    public let url: URL
    /// What was done on opening, one line each, for the user.
    public private(set) var notes: [String] = []
    private let lockDescriptor: Int32

    /// Where a pipeline's run goes.
    public static func url(for config: PipelineConfig) -> URL {
        URL(fileURLWithPath: config.checkpoint.folder).appendingPathComponent(config.name)
    }

    /// Creates the folder if needed, takes its lock and applies `mode`; throws `RunFolderError`.
    public init(config: PipelineConfig, mode: Mode) throws {
        url = Self.url(for: config)
        try Self.createFolder(url, setting: "checkpoint.folder (\(config.checkpoint.folder)) and name (\(config.name))")
        let lockPath = url.appendingPathComponent(Self.lockName).path
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunFolderError.cannotUse(path: lockPath, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(descriptor)
            close(descriptor)
            throw RunFolderError.inUse(folder: url.path, pid: holder, name: config.name)
        }
        lockDescriptor = descriptor
        do {
            try apply(mode, config: config)
            // The holder's PID, for the message of a second process; written only once the run is accepted.
            ftruncate(descriptor, 0)
            let text = "\(getpid())\n"
            _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(lockDescriptor) }

    private static func holder(_ descriptor: Int32) -> Int32? {
        var buffer = [CChar](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, 31, 0)
        guard count > 0 else { return nil }
        return Int32(String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func apply(_ mode: Mode, config: PipelineConfig) throws {
        let manager = FileManager.default
        let names = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
        let stale = names.filter(Self.isTemporary).sorted()
        for name in stale { try? manager.removeItem(at: url.appendingPathComponent(name)) }
        if !stale.isEmpty {
            notes.append("removed \(stale.count) temporary file\(stale.count == 1 ? "" : "s") of an interrupted save: "
                         + stale.joined(separator: ", "))
        }
        let runFiles = names.filter(Self.isRunFile).sorted()
        switch mode {
        case .new:
            guard runFiles.isEmpty else {
                throw RunFolderError.holdsRun(folder: url.path, files: runFiles, newest: Self.describeNewest(url), name: config.name)
            }
        case .force:
            for name in runFiles { try? manager.removeItem(at: url.appendingPathComponent(name)) }
            // The earlier run's TensorBoard events go with it (they only follow its metrics.csv,
            // so they do not count as a run of their own).
            for name in names where name.hasPrefix(TensorBoardEventFile.namePrefix) {
                try? manager.removeItem(at: url.appendingPathComponent(name))
            }
            if !runFiles.isEmpty {
                notes.append("--force: deleted the earlier run in \(url.path) (\(runFiles.joined(separator: ", ")))")
            }
        case let .resume(checkpoint, force):
            let source = URL(fileURLWithPath: checkpoint).deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath()
            let inside = source.path == url.standardizedFileURL.resolvingSymlinksInPath().path
            if !inside && !runFiles.isEmpty && !force {
                throw RunFolderError.holdsOtherRun(folder: url.path, files: runFiles, checkpoint: checkpoint)
            }
            if !force, let newest = try? Self.newestCheckpoint(in: url),
               let resumed = try? CheckpointFile.load(from: checkpoint), newest.checkpoint.step > resumed.step {
                throw RunFolderError.newerCheckpoint(folder: url.path, checkpoint: checkpoint, epoch: Int(resumed.epoch),
                                                     newest: newest.path, newestEpoch: Int(newest.checkpoint.epoch))
            }
        }
    }

    /// `last.h5.tmp-1234`: the temporary file of a save whose process was killed (this process
    /// holds the folder's lock, so no save of another process is under way).
    static func isTemporary(_ name: String) -> Bool {
        guard let range = name.range(of: ".tmp-", options: .backwards) else { return false }
        let suffix = name[range.upperBound...]
        return !suffix.isEmpty && suffix.allSatisfy(\.isNumber)
    }

    /// Rewrites `metrics.csv` to hold exactly the rows of `metrics` (the resumed checkpoint's
    /// epochs), so rows written after that checkpoint are not repeated.
    public func resetMetrics(to metrics: [EpochMetrics]) throws {
        try MetricsLog(folder: url).rewrite(metrics)
    }

    /// After a kill between `last.h5` and the best or numbered checkpoint of the same epoch, the
    /// resumed checkpoint is that epoch's: write the missing ones from it.
    public func completeInterruptedSave(_ checkpoint: Checkpoint, stepsPerEpoch: Int, interval: Int, keep: Int) throws {
        let epoch = Int(checkpoint.epoch)
        guard epoch > 0, checkpoint.step == UInt64(epoch * stepsPerEpoch), let row = checkpoint.metrics.last, row.epoch == epoch
        else { return }
        var written: [String] = []
        let numbered = url.appendingPathComponent(CheckpointWriter.name(.numbered, epoch: epoch))
        if CheckpointWriter.isSaveEpoch(epoch, interval: interval) && !FileManager.default.fileExists(atPath: numbered.path) {
            try CheckpointFile.save(checkpoint, to: numbered.path)
            written.append(numbered.lastPathComponent)
            // The pruning that the cut-short save would have done.
            CheckpointWriter.prune(folder: url, keep: keep)
        }
        if CheckpointWriter.isBest(row.validationAccuracy, earlier: checkpoint.metrics.dropLast()) {
            let best = url.appendingPathComponent(CheckpointWriter.bestName)
            let saved = try? CheckpointFile.load(from: best.path)
            if saved.map({ $0.epoch != checkpoint.epoch }) ?? true {
                try CheckpointFile.save(checkpoint, to: best.path)
                written.append(CheckpointWriter.bestName)
            }
        }
        if !written.isEmpty { notes.append("completed the interrupted save of epoch \(epoch): \(written.joined(separator: ", "))") }
    }

    // MARK: - The newest checkpoint of a folder

    /// The newest checkpoint of `folder` that loads completely (most steps; `last.h5` first on a
    /// tie), and why each other candidate was passed over.
    public static func newestCheckpoint(in folder: URL) throws -> (path: String, checkpoint: Checkpoint, skipped: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let numbered = names.filter(CheckpointWriter.isNumbered).sorted().reversed()
        let candidates = ([CheckpointWriter.lastName] + numbered + [CheckpointWriter.bestName]).filter(names.contains)
        guard !candidates.isEmpty else { throw RunFolderError.noCheckpoint(folder: folder.path, skipped: []) }
        var best: (path: String, checkpoint: Checkpoint)?
        var skipped: [String] = []
        for name in candidates {
            let path = folder.appendingPathComponent(name).path
            do {
                let checkpoint = try CheckpointFile.load(from: path)
                if best == nil || checkpoint.step > best!.checkpoint.step { best = (path, checkpoint) }
            } catch {
                skipped.append("\(name): \(error)")
            }
        }
        guard let best else { throw RunFolderError.noCheckpoint(folder: folder.path, skipped: skipped) }
        return (best.path, best.checkpoint, skipped)
    }

    private static func describeNewest(_ folder: URL) -> String? {
        guard let newest = try? newestCheckpoint(in: folder) else { return nil }
        return "\((newest.path as NSString).lastPathComponent) at epoch \(newest.checkpoint.epoch), step \(newest.checkpoint.step)"
    }

    // MARK: - Creating the folder

    /// Creates `url` and its parents, or says which component is in the way and why.
    static func createFolder(_ url: URL, setting: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw RunFolderError.notAFolder(folder: url.path, blocker: url.path, setting: setting)
        }
        // The nearest existing ancestor must be a folder.
        var ancestor = url.deletingLastPathComponent()
        while ancestor.path != "/" && !manager.fileExists(atPath: ancestor.path) { ancestor.deleteLastPathComponent() }
        if manager.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw RunFolderError.notAFolder(folder: url.path, blocker: ancestor.path, setting: setting)
        }
        // mkdir one level at a time, so that a failure says why (errno).
        var missing: [URL] = []
        var next = url
        while next.path != ancestor.path && next.path != "/" { missing.insert(next, at: 0); next.deleteLastPathComponent() }
        for folder in missing where mkdir(folder.path, 0o755) != 0 && errno != EEXIST {
            throw RunFolderError.cannotUse(path: folder.path, reason: String(cString: strerror(errno)))
        }
    }
}

/// Why a run folder cannot be used; each says what to change.
public enum RunFolderError: Error, CustomStringConvertible {
    case inUse(folder: String, pid: Int32?, name: String)
    case holdsRun(folder: String, files: [String], newest: String?, name: String)
    case holdsOtherRun(folder: String, files: [String], checkpoint: String)
    case newerCheckpoint(folder: String, checkpoint: String, epoch: Int, newest: String, newestEpoch: Int)
    case noCheckpoint(folder: String, skipped: [String])
    case notAFolder(folder: String, blocker: String, setting: String)
    case cannotUse(path: String, reason: String)

    public var description: String {
        switch self {
        case let .inUse(folder, pid, name):
            let who = pid.map { "process \($0)" } ?? "another process"
            return "\(folder) is in use: \(who) is training into it (it holds \(folder)/\(RunFolder.lockName)). Wait for it to finish "
                + (pid.map { "or stop it (kill -INT \($0)), " } ?? "or stop it, ") + "or train into another folder, e.g. --set name=\(name)-2"
        case let .holdsRun(folder, files, newest, name):
            return "\(folder) already holds a run (\(files.joined(separator: ", "))\(newest.map { "; newest checkpoint \($0)" } ?? "")) "
                + "and a new run would overwrite it. To go on training it: conveyor resume \(folder); to delete it and start over: "
                + "add --force; to keep it and train beside it: --set name=\(name)-2"
        case let .holdsOtherRun(folder, files, checkpoint):
            return "\(folder) already holds another run (\(files.joined(separator: ", "))) and resuming \(checkpoint) into it would "
                + "overwrite it; resume into another folder (--set name=...) or add --force to replace that run"
        case let .newerCheckpoint(folder, checkpoint, epoch, newest, newestEpoch):
            return "\(newest) (epoch \(newestEpoch)) is newer than \(checkpoint) (epoch \(epoch)), and resuming the older one would "
                + "overwrite it. Resume the newest with: conveyor resume \(folder); or add --force to go back to epoch \(epoch)"
        case let .noCheckpoint(folder, skipped):
            if skipped.isEmpty {
                return "\(folder) holds no checkpoint (last.h5, epoch-NNN.h5 or best.h5) to resume from; start a new run with conveyor train"
            }
            return "\(folder) holds no complete checkpoint to resume from: " + skipped.joined(separator: "; ")
        case let .notAFolder(folder, blocker, setting):
            return blocker == folder
                ? "the run folder \(folder) is a file, not a folder; move it away or change \(setting)"
                : "cannot create the run folder \(folder): \(blocker) is a file, not a folder; change \(setting) "
                    + "(e.g. --set checkpoint.folder=runs)"
        case let .cannotUse(path, reason):
            return "cannot use \(path): \(reason); choose a writable checkpoint.folder (e.g. --set checkpoint.folder=runs)"
        }
    }
}
