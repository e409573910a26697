import Foundation
import PackagePlugin

/// Embeds every `Kernels/*.cl` file of the package into the target as Swift string constants,
/// and the git commit the package is built from (`conveyor --version`, see `BuildCommit`).
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
        // SwiftPM runs this plugin again only when the package changes, not at every build, so
        // the tool asks git itself, and the files git rewrites when HEAD moves are the command's
        // inputs: a commit, checkout or reset reruns it (the tool leaves an unchanged file alone).
        let package = context.package.directoryURL
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) OpenCL kernel sources",
                executable: tool,
                arguments: [output.path()] + inputs.map { $0.path() },
                inputFiles: inputs,
                outputFiles: [output]
            ),
            .buildCommand(
                displayName: "Embedding the git commit",
                executable: tool,
                arguments: ["--commit", package.path(), commitOutput.path()],
                inputFiles: Self.headFiles(package: package),
                outputFiles: [commitOutput]
            ),
        ]
    }

    /// The files that change when HEAD moves: HEAD, its reflog, the branch's ref and packed-refs
    /// (in a worktree the first two are in its own git folder, the others in the common one).
    static func headFiles(package: URL) -> [URL] {
        guard let gitDir = git(["rev-parse", "--absolute-git-dir"], in: package), !gitDir.isEmpty else { return [] }
        let common = git(["rev-parse", "--git-common-dir"], in: package).map {
            $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : package.appending(path: $0)
        } ?? URL(fileURLWithPath: gitDir)
        var files = [URL(fileURLWithPath: gitDir).appending(path: "HEAD"), URL(fileURLWithPath: gitDir).appending(path: "logs/HEAD"),
                     common.appending(path: "packed-refs")]
        if let branch = git(["symbolic-ref", "-q", "HEAD"], in: package), !branch.isEmpty {
            files.append(common.appending(path: branch))
        }
        return files.filter { FileManager.default.fileExists(atPath: $0.path()) }
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
