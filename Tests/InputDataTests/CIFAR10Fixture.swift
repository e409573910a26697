import InputData
import Foundation

/// Small CIFAR-10 folders and archives made inside a test.
enum CIFAR10Fixture {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A record whose pixels encode (file, record) so that loads can be checked.
    static func record(label: UInt8, file: Int, record: Int) -> [UInt8] {
        [label] + (0..<DataLayout.pixelsPerImage).map { UInt8(truncatingIfNeeded: $0 &+ file * 31 &+ record * 7) }
    }

    /// Writes every CIFAR-10 file with `records` records each (labels cycle 0...9).
    static func writeFolder(_ folder: URL, records: Int = 3) throws {
        for (file, name) in (CIFAR10Split.trainingFileNames + [CIFAR10Split.testFileName]).enumerated() {
            var bytes: [UInt8] = []
            for r in 0..<records { bytes += record(label: UInt8((file + r) % 10), file: file, record: r) }
            try Data(bytes).write(to: folder.appendingPathComponent(name))
        }
        try CIFAR10Loader.defaultClassNames.joined(separator: "\n")
            .write(to: folder.appendingPathComponent(CIFAR10Split.metaFileName), atomically: true, encoding: .utf8)
    }

    /// A tar.gz holding cifar-10-batches-bin/ like the official archive.
    static func writeArchive(_ archive: URL, records: Int = 3) throws {
        let staging = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: staging) }
        let inner = staging.appendingPathComponent(CIFAR10Download.archiveFolder)
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        try writeFolder(inner, records: records)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tar", "-czf", archive.path, "-C", staging.path, CIFAR10Download.archiveFolder]
        try process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "tar -czf failed")
    }
}
