import ArgumentParser
import Checkpoints
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Every checkpoint `conveyor` opens is read first, whole, by a child `conveyor` (a hidden
/// subcommand), so that a crash of libhdf5 1.10 inside its own decoders on a damaged file
/// (docs/testing.md, "Fuzzing": about 1 in 4,000 mutated files, none preventable from outside)
/// kills the child and becomes a refusal naming the file, instead of a SIGSEGV of the command.
///
/// The cost is one process start and one more read of the file, paid once per file and process:
/// a file the child read is remembered by device, inode, size and modification time. A child
/// that is refused (exit status 1) or stopped by a signal that is not a crash (Ctrl-C reaches the
/// whole process group) decides nothing: the file is then read here, which refuses it the same way.
enum CheckpointChildRead {
    static let commandName = "read-checkpoint-in-child"

    /// What a crashing reader dies by; AddressSanitizer builds abort (abort_on_error below).
    static let crashSignals: Set<Int32> = [SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP, SIGSYS]

    private struct FileIdentity: Hashable {
        let device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            seconds = info.st_mtim.tv_sec
            nanoseconds = info.st_mtim.tv_nsec
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var readWhole: Set<FileIdentity> = []

    /// Called once at start-up by `Conveyor.main`.
    static func install() {
        CheckpointTrialRead.reader = check
    }

    /// How long the child may take before the file counts as one that hangs libhdf5: generous, so
    /// that only a reader that is stuck reaches it (a 128 MiB checkpoint loads in about 4 s in a
    /// debug build), and `CONVEYOR_CHECKPOINT_READ_SECONDS` to test it.
    static func timeLimit(bytes: Int64) -> Double {
        if let seconds = ProcessInfo.processInfo.environment["CONVEYOR_CHECKPOINT_READ_SECONDS"].flatMap(Double.init), seconds > 0 {
            return seconds
        }
        return 120 + Double(bytes) / 1_000_000
    }

    static func check(_ path: String) throws {
        // A file that cannot be stat'ed is left to the in-process load, which says why.
        guard let identity = FileIdentity(path: path) else { return }
        if lock.withLock({ readWhole.contains(identity) }) { return }
        let limit = timeLimit(bytes: identity.size)
        guard let outcome = spawnReader(path, limit: limit) else { return }
        guard case .ended(let status) = outcome else {
            throw CheckpointError.hungReading(path: path, seconds: Int(limit.rounded()))
        }
        let exited = status & 0x7f == 0
        if exited {
            if (status >> 8) & 0xff == 0 { lock.withLock { _ = readWhole.insert(identity) } }
            return
        }
        let signal = status & 0x7f
        if crashSignals.contains(signal) { throw CheckpointError.crashedReading(path: path, signal: signal) }
    }

    enum Outcome {
        /// The child's wait status.
        case ended(Int32)
        /// Killed after the time limit.
        case timedOut
    }

    /// What became of the child, or nil when no child could be started (then the file is read
    /// here only, as before this check existed).
    private static func spawnReader(_ path: String, limit: Double) -> Outcome? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The child says nothing: its verdict is its exit status, and a refusal is repeated here.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Signals ignored or blocked here (a training run's stop handling) stay so across exec;
        // the child gets the default actions, so that a crash kills it and shows as a signal.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in crashSignals.union([SIGINT, SIGTERM, SIGHUP, SIGPIPE]) { sigaddset(&defaults, signal) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        // /proc/self/exe: this very binary, even if the file was replaced or removed since it started.
        let arguments = ["conveyor", commandName, path]
        var environment = ProcessInfo.processInfo.environment
        // Under AddressSanitizer a fault in the child must end it by a signal, as it does without.
        environment["ASAN_OPTIONS"] = (environment["ASAN_OPTIONS"].map { $0 + ":" } ?? "") + "abort_on_error=1"
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        guard posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv, envp) == 0 else { return nil }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(limit)
        var pause: useconds_t = 1_000
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return .ended(status) }
            if reaped == -1 && errno != EINTR { return nil }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                return .timedOut
            }
            // Small checkpoints are read in milliseconds: poll often at first, then less.
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }
}

/// The child of `CheckpointChildRead`: loads the checkpoint whole and exits 0, or 1 when it is
/// refused; a crash inside libhdf5 ends it by a signal.
struct ReadCheckpointInChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: CheckpointChildRead.commandName,
        abstract: "Load a checkpoint whole and exit 0 (run by conveyor itself before it opens a checkpoint).",
        shouldDisplay: false)

    @Argument(help: "The checkpoint file.")
    var path: String

    func run() throws {
        CheckpointTrialRead.reader = nil
        _ = try CheckpointFile.load(from: path)
    }
}
