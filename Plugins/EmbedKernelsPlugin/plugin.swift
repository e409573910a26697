import Foundation
import PackagePlugin

/// Embeds every `Kernels/*.cl` file of the package into the target as Swift string constants,
/// and the git commit the package is built from (`conveyor --version`).
@main
struct EmbedKernelsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let kernels = context.package.directoryURL.appending(path: "Kernels")
        let names = try FileManager.default.contentsOfDirectory(atPath: kernels.path())
            .filter { $0.hasSuffix(".cl") || $0.hasSuffix(".h") }
            .sorted()
        let inputs = names.map { kernels.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKernelSources.swift")
        let commitOutput = context.pluginWorkDirectoryURL.appending(path: "EmbeddedBuildCommit.swift")
        let tool = try context.tool(named: "EmbedKernels").url
        // The commit is an argument, so the command reruns when it changes (the plugin itself
        // runs at every build); the tool rewrites the file only when its text changes.
        let commit = Self.gitCommit(package: context.package.directoryURL)
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) OpenCL kernel sources",
                executable: tool,
                arguments: [output.path()] + inputs.map { $0.path() },
                inputFiles: inputs,
                outputFiles: [output]
            ),
            .buildCommand(
                displayName: "Embedding the git commit \(commit)",
                executable: tool,
                arguments: ["--commit", commit, commitOutput.path()],
                outputFiles: [commitOutput]
            ),
        ]
    }

    /// `CONVEYOR_GIT_COMMIT` when set (a build outside a git checkout, e.g. from a source
    /// tarball), else git's short commit of the package's HEAD; "unknown" when neither is
    /// available. Uncommitted changes are not marked: that would recompile on every first edit.
    static func gitCommit(package: URL) -> String {
        if let given = ProcessInfo.processInfo.environment["CONVEYOR_GIT_COMMIT"], !given.isEmpty { return given }
        guard let commit = git(["rev-parse", "--short=12", "HEAD"], in: package), !commit.isEmpty else { return "unknown" }
        return commit
    }

    static func git(_ arguments: [String], in folder: URL) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder.path()] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
