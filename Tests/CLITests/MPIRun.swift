import Foundation
import XCTest

/// `mpirun` of the built `conveyor` on this machine, for the data-parallel tests: as root (CI),
/// oversubscribed (2 cores), each rank's PoCL on one thread so that two ranks do not fight for
/// the cores; killed after `timeout` so that a hang fails the test instead of blocking it.
enum MPIRun {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        let timedOut: Bool
    }

    static var mpirun: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Skips the calling test when Open MPI's launcher is not installed.
    static func requireMPIRun() throws -> URL {
        guard let mpirun else {
            throw XCTSkip("mpirun is not on PATH: install openmpi-bin (scripts/install-deps does) to run the data-parallel tests")
        }
        return mpirun
    }

    static let environment = ["POCL_MAX_PTHREAD_COUNT": "1"]

    /// `mpirun -np ranks conveyor arguments`, or several programs (MPMD: `-np 1 conveyor a : -np 1 conveyor b`).
    /// `signal`: sent to mpirun once `when` returns true for the standard output so far.
    static func run(ranks: Int, _ arguments: [String], directory: URL, timeout: Double = 120,
                    signal: (number: Int32, when: (String) -> Bool)? = nil) throws -> Result {
        try run(programs: [(ranks, arguments)], directory: directory, timeout: timeout, signal: signal)
    }

    /// The mpirun process of `programs`, not started.
    static func process(programs: [(ranks: Int, arguments: [String])]) throws -> Process {
        let process = Process()
        process.executableURL = try requireMPIRun()
        // Containers (CI) often forbid the cross-process memory attach Open MPI's shared-memory
        // transport uses for large messages; copying through shared buffers works everywhere.
        var arguments = ["--allow-run-as-root", "--oversubscribe", "--mca", "btl_vader_single_copy_mechanism", "none"]
        for (index, program) in programs.enumerated() {
            if index > 0 { arguments.append(":") }
            arguments += ["-x", "POCL_MAX_PTHREAD_COUNT", "-np", String(program.ranks), ConveyorProcess.binary.path] + program.arguments
        }
        process.arguments = arguments
        return process
    }

    /// The processes whose parent is `parent` (mpirun's ranks), from /proc.
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            // /proc/PID/stat: "PID (name) state PPID ..."; the name may hold spaces, so read after the last ')'.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent
        }
    }

    static func run(programs: [(ranks: Int, arguments: [String])], directory: URL, timeout: Double = 120,
                    signal: (number: Int32, when: (String) -> Bool)? = nil) throws -> Result {
        let process = try process(programs: programs)
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outFile = directory.appendingPathComponent("mpirun-out-\(UUID().uuidString).txt")
        let errFile = directory.appendingPathComponent("mpirun-err-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var signalled = signal == nil
        while process.isRunning && Date() < deadline {
            if !signalled, let signal, signal.when((try? String(contentsOf: outFile, encoding: .utf8)) ?? "") {
                kill(process.processIdentifier, signal.number)
                signalled = true
            }
            usleep(5_000)
        }
        let timedOut = process.isRunning
        if timedOut {
            kill(process.processIdentifier, SIGTERM)
            usleep(2_000_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        let result = Result(status: process.terminationStatus, stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                            stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "", timedOut: timedOut)
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
        return result
    }
}
