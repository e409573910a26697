import Foundation
import Hashing

/// The OpenCL C sources of Conveyor's kernels.
///
/// They are embedded into the binary at build time (see `Plugins/EmbedKernelsPlugin`), so the
/// `conveyor` binary runs when copied alone. Setting `CONVEYOR_KERNELS=<dir>` reads them from
/// that folder instead, so kernels can be edited without a rebuild.
public enum KernelSources {
    public static let overrideVariable = "CONVEYOR_KERNELS"

    public struct MissingKernel: Error, CustomStringConvertible {
        public let name: String
        public let searched: String
        public var description: String {
            "kernel source '\(name)' not found in \(searched); the embedded kernels are: "
                + KernelSources.embeddedNames.joined(separator: ", ")
        }
    }

    public static var embeddedNames: [String] { embeddedKernelSources.keys.sorted() }

    /// The text of `Kernels/<name>` (for example "conv.cl"), with the shared header
    /// `common.h` pasted in front of it when that header exists, and each `#include "x.h"` line
    /// replaced by `Kernels/x.h`.
    public static func source(named name: String) throws -> String {
        let body = try withIncludes(rawSource(named: name), from: name)
        if name != "common.h", let common = try? rawSource(named: "common.h") {
            return common + "\n" + body
        }
        return body
    }

    /// The OpenCL compiler has no folder to search (the sources are embedded in the binary), so
    /// headers are pasted here; their include guards make a second inclusion empty.
    static func withIncludes(_ text: String, from name: String, depth: Int = 0) throws -> String {
        guard text.contains("#include") else { return text }
        guard depth < 8 else { throw MissingKernel(name: name, searched: "headers nested more than 8 deep") }
        return try text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("#include \""), trimmed.hasSuffix("\""), trimmed.count > 11 else { return String(line) }
            let header = String(trimmed.dropFirst(10).dropLast())
            return try withIncludes(rawSource(named: header), from: header, depth: depth + 1)
        }.joined(separator: "\n")
    }

    static func rawSource(named name: String) throws -> String {
        if let folder = ProcessInfo.processInfo.environment[overrideVariable], !folder.isEmpty {
            let path = URL(fileURLWithPath: folder).appendingPathComponent(name).path
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw MissingKernel(name: name, searched: "\(overrideVariable)=\(folder)")
            }
            return text
        }
        guard let text = embeddedKernelSources[name] else {
            throw MissingKernel(name: name, searched: "the embedded kernel sources")
        }
        return text
    }

    /// A short hash (FNV-1a, 64 bits, hex) of the named sources as `source(named:)` reads them,
    /// so what was measured with one version of the kernels is not reused with another.
    public static func fingerprint(of names: [String]) -> String {
        var hash = FNV1a()
        for name in names { hash.combine((try? source(named: name)) ?? "missing \(name)") }
        return String(hash.value, radix: 16)
    }
}
