import Foundation

/// An official data set archive (`conveyor data cifar10`, `conveyor data cifar100`): where it is,
/// its MD5, the folder inside it, and how to check what it holds.
public struct DataArchive: Sendable {
    public let name: String
    public let url: URL
    public let md5: String
    /// The folder inside the archive whose files go into the target folder.
    public let folder: String
    /// The command that fetches it, for messages.
    public let command: String
    /// Opens the extracted files, so that a damaged archive is reported now, naming the file.
    public let check: @Sendable (URL) throws -> Void

    /// What the archive must be, for an extraction error.
    var expected: String { "\(url.lastPathComponent), holding the folder \(folder)/" }

    /// Puts the archive's files into `folder`, checks that they load, and returns the names of
    /// the files extracted. With `archive`, a local copy is used and an MD5 other than the
    /// official one is only a warning (sent to `log`); a download whose MD5 differs is an error.
    @discardableResult
    public func fetch(to target: URL, from archive: URL? = nil, log: (String) -> Void = { _ in }) throws -> [String] {
        let manager = FileManager.default
        try manager.createDirectory(at: target, withIntermediateDirectories: true)
        let work = target.appendingPathComponent(".fetch-\(ProcessInfo.processInfo.processIdentifier)")
        try? manager.removeItem(at: work)
        try manager.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: work) }

        let archivePath: URL
        if let archive {
            archivePath = archive
            let digest = try MD5.hex(fileAt: archive)
            if digest != md5 {
                log("warning: \(archive.path): MD5 \(digest) differs from the official archive's \(md5); using it anyway")
            }
        } else {
            archivePath = work.appendingPathComponent(url.lastPathComponent)
            log("downloading \(url.absoluteString)")
            try CIFAR10Download.download(url, to: archivePath, command: command)
            let digest = try MD5.hex(fileAt: archivePath)
            guard digest == md5 else {
                throw DataError.checksumMismatch(file: url.absoluteString, expected: md5, actual: digest)
            }
        }

        try CIFAR10Download.extract(archivePath, into: work, expected: expected)
        let extracted = work.appendingPathComponent(folder)
        guard manager.fileExists(atPath: extracted.path) else {
            throw DataError.extractionFailed(archive: archivePath.path, reason: "no \(folder)/ folder inside", expected: expected)
        }
        var moved: [String] = []
        for name in try manager.contentsOfDirectory(atPath: extracted.path).sorted() {
            let destination = target.appendingPathComponent(name)
            try? manager.removeItem(at: destination)
            try manager.moveItem(at: extracted.appendingPathComponent(name), to: destination)
            moved.append(name)
        }
        try check(target)
        log("\(name) ready in \(target.path): \(moved.joined(separator: ", "))")
        return moved
    }

    /// The binary version of CIFAR-100 (train.bin, test.bin, the label name files).
    public static let cifar100 = DataArchive(
        name: "CIFAR-100", url: URL(string: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz")!,
        md5: "03b5dce01913d631647c71ecec9e9cb8", folder: "cifar-100-binary", command: "conveyor data cifar100",
        check: { folder in
            for file in [CIFAR100Loader.trainFileName, CIFAR100Loader.testFileName] {
                _ = try CIFAR100Loader(folder: folder, fileName: file, labels: .fine)
            }
        })
}
