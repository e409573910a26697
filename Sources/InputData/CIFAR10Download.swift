import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches the official CIFAR-10 binary archive (or takes a local copy), checks its MD5,
/// extracts it with `tar` and checks the files load.
public enum CIFAR10Download {
    public static let archiveURL = URL(string: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")!
    public static let archiveMD5 = "c32a1d4ab5d03f1284b67883e8d87530"
    /// The folder inside the archive.
    public static let archiveFolder = "cifar-10-batches-bin"

    /// Puts the CIFAR-10 files into `folder`, checks that every split loads, and returns the
    /// names of the files extracted. With `archive`, a local copy is used and an MD5 other than
    /// the official one is only a warning (sent to `log`); a download whose MD5 differs is an error.
    @discardableResult
    public static func fetch(to folder: URL, from archive: URL? = nil,
                             log: (String) -> Void = { _ in }) throws -> [String] {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        let work = folder.appendingPathComponent(".fetch-\(ProcessInfo.processInfo.processIdentifier)")
        try? manager.removeItem(at: work)
        try manager.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: work) }

        let archivePath: URL
        if let archive {
            archivePath = archive
            let digest = try MD5.hex(fileAt: archive)
            if digest != archiveMD5 {
                log("warning: \(archive.path): MD5 \(digest) differs from the official archive's \(archiveMD5); using it anyway")
            }
        } else {
            archivePath = work.appendingPathComponent("cifar-10-binary.tar.gz")
            log("downloading \(archiveURL.absoluteString)")
            try download(archiveURL, to: archivePath)
            let digest = try MD5.hex(fileAt: archivePath)
            guard digest == archiveMD5 else {
                throw DataError.checksumMismatch(file: archiveURL.absoluteString, expected: archiveMD5, actual: digest)
            }
        }

        try extract(archivePath, into: work)
        let extracted = work.appendingPathComponent(archiveFolder)
        guard manager.fileExists(atPath: extracted.path) else {
            throw DataError.extractionFailed(archive: archivePath.path, reason: "no \(archiveFolder)/ folder inside")
        }
        var moved: [String] = []
        for name in try manager.contentsOfDirectory(atPath: extracted.path).sorted() {
            let target = folder.appendingPathComponent(name)
            try? manager.removeItem(at: target)
            try manager.moveItem(at: extracted.appendingPathComponent(name), to: target)
            moved.append(name)
        }
        // Opening every split validates sizes and labels, and names what is missing.
        _ = try CIFAR10Loader(folder: folder, split: .batches([1, 2, 3, 4, 5]))
        _ = try CIFAR10Loader(folder: folder, split: .test)
        log("CIFAR-10 ready in \(folder.path): \(moved.joined(separator: ", "))")
        return moved
    }

    static func extract(_ archive: URL, into folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tar", "-xzf", archive.path, "-C", folder.path]
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw DataError.extractionFailed(archive: archive.path, reason: "cannot run tar: \(error)")
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DataError.extractionFailed(archive: archive.path,
                reason: "tar exited with \(process.terminationStatus): \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    static func download(_ url: URL, to destination: URL) throws {
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.downloadTask(with: url) { location, response, error in
            defer { done.signal() }
            if let error { outcome.error = DataError.downloadFailed(url: url.absoluteString, reason: "\(error.localizedDescription)"); return }
            if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                outcome.error = DataError.downloadFailed(url: url.absoluteString, reason: "HTTP status \(http.statusCode)")
                return
            }
            guard let location else {
                outcome.error = DataError.downloadFailed(url: url.absoluteString, reason: "no file received")
                return
            }
            do {
                try? FileManager.default.removeItem(at: destination)
                try FileManager.default.moveItem(at: location, to: destination)
            } catch {
                outcome.error = DataError.downloadFailed(url: url.absoluteString, reason: "cannot keep the download: \(error)")
            }
        }
        task.resume()
        done.wait()
        if let error = outcome.error { throw error }
    }
}
