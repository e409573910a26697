import Foundation

/// A split of a CIFAR-10 binary folder (`data_batch_1.bin` .. `data_batch_5.bin`, `test_batch.bin`,
/// `batches.meta.txt`), memory-mapped rather than copied, validated when opened.
public final class CIFAR10Loader: DataSource, @unchecked Sendable {
    public static let defaultClassNames = ["airplane", "automobile", "bird", "cat", "deer",
                                           "dog", "frog", "horse", "ship", "truck"]

    /// Records one batch file may hold: a hundred times the official 10000, so that a file of
    /// any size is refused before its records are counted into per-sample arrays.
    public static let maximumRecordsPerFile = 1_000_000

    public let folder: URL
    public let split: CIFAR10Split
    public let count: Int
    public let classNames: [String]
    // Mapped files are never mutated after init, so reading them from many threads is safe.
    private let files: [Data]
    private let firstIndex: [Int]

    /// Opens the files of `split` in `folder`; throws `DataError` naming the file at fault.
    public init(folder: URL, split: CIFAR10Split) throws {
        try split.validate()
        self.folder = folder
        self.split = split
        let manager = FileManager.default
        let missing = split.fileNames.filter { !manager.fileExists(atPath: folder.appendingPathComponent($0).path) }
        guard missing.isEmpty else { throw DataError.missingFiles(folder: folder.path, missing: missing) }
        var files: [Data] = []
        var firstIndex: [Int] = []
        var total = 0
        for name in split.fileNames {
            let url = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw DataError.unreadableFile(file: url.path, reason: "it is a folder, not a CIFAR-10 batch file")
            }
            let data: Data
            do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
                throw DataError.unreadableFile(file: url.path, reason: "it cannot be read (\(String(cString: strerror(errno))))")
            }
            guard !data.isEmpty else { throw DataError.emptyFile(file: url.path) }
            guard data.count % DataLayout.recordSize == 0 else {
                throw DataError.truncatedFile(file: url.path, bytes: data.count)
            }
            let records = data.count / DataLayout.recordSize
            guard records <= Self.maximumRecordsPerFile else { throw DataError.tooManyRecords(file: url.path, records: records) }
            try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                for record in 0..<records where bytes[record * DataLayout.recordSize] >= 10 {
                    throw DataError.labelOutOfRange(file: url.path, record: record,
                                                    value: Int(bytes[record * DataLayout.recordSize]))
                }
            }
            files.append(data)
            firstIndex.append(total)
            total += records
        }
        self.files = files
        self.firstIndex = firstIndex
        self.count = total
        self.classNames = Self.readClassNames(folder.appendingPathComponent(CIFAR10Split.metaFileName))
    }

    /// Convenience: `split` as text ("1-4", "5", "test").
    public convenience init(folder: URL, split text: String) throws {
        try self.init(folder: folder, split: CIFAR10Split(parsing: text))
    }

    public func label(at index: Int) -> Int {
        let (file, offset) = locate(index)
        return files[file].withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in Int(bytes[offset]) }
    }

    public func copyPixels(at index: Int, into buffer: UnsafeMutablePointer<UInt8>) {
        let (file, offset) = locate(index)
        files[file].withUnsafeBytes { bytes in
            buffer.update(from: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset + 1,
                          count: DataLayout.pixelsPerImage)
        }
    }

    @inline(__always)
    private func locate(_ index: Int) -> (file: Int, offset: Int) {
        precondition(index >= 0 && index < count, "sample \(index) outside 0..<\(count)")
        var file = firstIndex.count - 1
        while firstIndex[file] > index { file -= 1 }
        return (file, (index - firstIndex[file]) * DataLayout.recordSize)
    }

    /// The meta file lists one class name a line; without it the standard names are used.
    private static func readClassNames(_ url: URL) -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return defaultClassNames }
        let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return names.count == 10 ? names : defaultClassNames
    }
}
