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
/// The child also runs under an address-space limit (`addressSpaceLimit`): a damaged length field
/// can make libhdf5 allocate gigabytes for a file of kilobytes (a variable-length string claiming
/// 2^32 bytes), and with the limit that allocation fails in the child, which refuses the file,
/// instead of taking the machine's memory twice. A child's refusal (exit status 1 and its message on
/// the pipe) is therefore trusted and repeated here, not retried in this process.
///
/// The cost is one process start and one more read of the file, paid once per file and process:
/// a file the child read is remembered by device, inode, size and modification time. A child
/// that exits 1 without a message or is stopped by a signal that is not a crash (Ctrl-C reaches the
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

    /// The child's address space: the process itself needs about 400 MiB of it (libraries, thread
    /// stacks, malloc arenas) and a checkpoint's load holds its tensors once, so 1 GiB plus four
    /// times the file leaves a sound file room to spare while a kilobyte file cannot claim gigabytes.
    static func addressSpaceLimit(bytes: Int64) -> UInt64 {
        (1 << 30) + 4 * UInt64(max(bytes, 0))
    }

    /// The longest refusal the child sends; libhdf5's details are a line, not pages.
    static let messageLimit = 4096

    static func check(_ path: String) throws {
        // A file that cannot be stat'ed is left to the in-process load, which says why.
        guard let identity = FileIdentity(path: path) else { return }
        if lock.withLock({ readWhole.contains(identity) }) { return }
        let limit = timeLimit(bytes: identity.size)
        guard let outcome = spawnReader(path, limit: limit, addressSpace: addressSpaceLimit(bytes: identity.size)) else { return }
        guard case .ended(let status, let message) = outcome else {
            throw CheckpointError.hungReading(path: path, seconds: Int(limit.rounded()))
        }
        let exited = status & 0x7f == 0
        if exited {
            let code = (status >> 8) & 0xff
            if code == 0 { lock.withLock { _ = readWhole.insert(identity) } }
            if code == 1, !message.isEmpty { throw CheckpointError.refusedInChild(path: path, message: message) }
            return
        }
        let signal = status & 0x7f
        if crashSignals.contains(signal) { throw CheckpointError.crashedReading(path: path, signal: signal) }
    }

    enum Outcome {
        /// The child's wait status and what it wrote on its standard output (its refusal).
        case ended(Int32, message: String)
        /// Killed after the time limit.
        case timedOut
    }

    /// What became of the child, or nil when no child could be started (then the file is read
    /// here only, as before this check existed).
    private static func spawnReader(_ path: String, limit: Double, addressSpace: UInt64) -> Outcome? {
        // The child's standard output is a pipe that carries its refusal; close-on-exec, so that a
        // process another thread starts later cannot hold the write end open (pipe2 is not
        // visible from Swift; the window before fcntl is this function's first lines).
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return nil }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(readEnd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
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
        let arguments = ["conveyor", commandName, "--address-space-bytes", String(addressSpace), path]
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
        let spawned = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv, envp)
        close(writeEnd)
        guard spawned == 0 else { return nil }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(limit)
        var pause: useconds_t = 1_000
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return .ended(status, message: readMessage(readEnd)) }
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

    /// What the ended child wrote: at most `messageLimit` bytes, which the pipe holds without the
    /// child waiting, so reading after its end is enough.
    private static func readMessage(_ readEnd: Int32) -> String {
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
        var bytes = [UInt8](repeating: 0, count: messageLimit)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(readEnd, $0.baseAddress! + count, $0.count - count) }
            if got > 0 { count += got } else if got == -1 && errno == EINTR { continue } else { break }
        }
        return String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Sanitizer runtimes reserve terabytes of address space for their shadow memory, so a limit
    /// would stop them at start-up; their builds are tests, which catch large allocations anyway.
    static var runsUnderSanitizer: Bool {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
            || dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil
    }
}

/// The child of `CheckpointChildRead`: loads the checkpoint whole and exits 0, or writes why it is
/// refused to its standard output and exits 1; a crash inside libhdf5 ends it by a signal.
struct ReadCheckpointInChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: CheckpointChildRead.commandName,
        abstract: "Load a checkpoint whole and exit 0 (run by conveyor itself before it opens a checkpoint).",
        shouldDisplay: false)

    @Option(help: "The address space the reading may use, in bytes (0: no limit).")
    var addressSpaceBytes: UInt64 = 0

    @Argument(help: "The checkpoint file.")
    var path: String

    func run() throws {
        CheckpointTrialRead.reader = nil
        if addressSpaceBytes > 0, !CheckpointChildRead.runsUnderSanitizer {
            var limit = rlimit(rlim_cur: rlim_t(addressSpaceBytes), rlim_max: rlim_t(addressSpaceBytes))
            _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
        }
        do {
            _ = try CheckpointFile.load(from: path)
        } catch let error as CheckpointError {
            let message = Array(error.description.utf8.prefix(CheckpointChildRead.messageLimit))
            message.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
            throw ExitCode(1)
        }
    }
}
