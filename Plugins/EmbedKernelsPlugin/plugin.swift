import Foundation
import PackagePlugin

/// Embeds every `Kernels/*.cl` file of the package into the target as Swift string constants.
@main
struct EmbedKernelsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let kernels = context.package.directoryURL.appending(path: "Kernels")
        let names = try FileManager.default.contentsOfDirectory(atPath: kernels.path())
            .filter { $0.hasSuffix(".cl") || $0.hasSuffix(".h") }
            .sorted()
        let inputs = names.map { kernels.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKernelSources.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) OpenCL kernel sources",
                executable: try context.tool(named: "EmbedKernels").url,
                arguments: [output.path()] + inputs.map { $0.path() },
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
