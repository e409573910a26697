import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The official CIFAR-10 binary archive, and the download and extraction every `DataArchive` uses.
public enum CIFAR10Download {
    public static let archiveURL = URL(string: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")!
    public static let archiveMD5 = "c32a1d4ab5d03f1284b67883e8d87530"
    /// The folder inside the archive.
    public static let archiveFolder = "cifar-10-batches-bin"

    /// The archive as `DataArchive.fetch` takes it; opening every split validates sizes and labels.
    public static let archive = DataArchive(
        name: "CIFAR-10", url: archiveURL, md5: archiveMD5, folder: archiveFolder, command: "conveyor data cifar10",
        check: { folder in
            _ = try CIFAR10Loader(folder: folder, split: .batches([1, 2, 3, 4, 5]))
            _ = try CIFAR10Loader(folder: folder, split: .test)
        })

    /// Puts the CIFAR-10 files into `folder` (see `DataArchive.fetch`).
    @discardableResult
    public static func fetch(to folder: URL, from archive: URL? = nil, log: (String) -> Void = { _ in }) throws -> [String] {
        try Self.archive.fetch(to: folder, from: archive, log: log)
    }

    static func extract(_ archive: URL, into folder: URL, expected: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tar", "-xzf", archive.path, "-C", folder.path]
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw DataError.extractionFailed(archive: archive.path, reason: "cannot run tar: \(error)", expected: expected)
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let detail = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DataError.extractionFailed(archive: archive.path, reason: "tar exited with \(process.terminationStatus): \(detail)",
                                             expected: expected)
        }
    }

    static func download(_ url: URL, to destination: URL, command: String) throws {
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.downloadTask(with: url) { location, response, error in
            defer { done.signal() }
            if let error { outcome.error = DataError.downloadFailed(url: url.absoluteString, reason: "\(error.localizedDescription)", command: command); return }
            if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                outcome.error = DataError.downloadFailed(url: url.absoluteString, reason: "HTTP status \(http.statusCode)", command: command)
                return
            }
            guard let location else {
                outcome.error = DataError.downloadFailed(url: url.absoluteString, reason: "no file received", command: command)
                return
            }
            do {
                try? FileManager.default.removeItem(at: destination)
                try FileManager.default.moveItem(at: location, to: destination)
            } catch {
                outcome.error = DataError.downloadFailed(url: url.absoluteString, reason: "cannot keep the download: \(error)", command: command)
            }
        }
        task.resume()
        done.wait()
        if let error = outcome.error { throw error }
    }
}
