import Foundation

/// Runs the built `conveyor` binary and captures what it prints.
enum ConveyorProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var binary: URL {
        // CONVEYOR_TEST_BINARY: a frozen copy of the build for a long soak (scripts/soak-kill-resume
        // SOAK_BUILD=...), so that rebuilding .build meanwhile cannot change what it runs.
        if let path = ProcessInfo.processInfo.environment["CONVEYOR_TEST_BINARY"] { return URL(fileURLWithPath: path) }
        // The test bundle sits beside the products in .build/<config>/.
        var url = Bundle(for: Marker.self).bundleURL
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("conveyor")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue { return candidate }
        }
        return URL(fileURLWithPath: ".build/debug/conveyor")
    }

    /// One convolution tuning cache for the test run, outside the user's: the commands measure
    /// each test shape once and every later command (a resume, say) uses the same choice.
    static let tuningCache = FileManager.default.temporaryDirectory
        .appendingPathComponent("conveyor-cli-tests-\(getpid())/tuning.json")

    /// This process's environment with the tests' tuning cache: every conveyor a test starts gets it.
    static var baseEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["CONVEYOR_TUNING_CACHE": tuningCache.path]) { $1 }
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = baseEnvironment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    private final class Marker {}
}
