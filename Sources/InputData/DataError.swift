import Foundation

/// What can be wrong with a data set on disk or its archive; each case says what to change.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// A file whose size is not a whole number of 3073-byte records.
    case truncatedFile(file: String, bytes: Int)
    /// A file of the split with no records at all.
    case emptyFile(file: String)
    /// A file with more records than `CIFAR10Loader.maximumRecordsPerFile`.
    case tooManyRecords(file: String, records: Int)
    /// A file of the split that cannot be read (a folder, no permission).
    case unreadableFile(file: String, reason: String)
    /// A record whose label byte is 10 or more.
    case labelOutOfRange(file: String, record: Int, value: Int)
    /// Files of the split that are not in the folder.
    case missingFiles(folder: String, missing: [String])
    /// A batch number outside 1...5 or a split that cannot be parsed.
    case invalidSplit(String)
    /// A split the run needs has no source (no files named, or synthetic count 0).
    case noData(split: String)
    /// The archive's MD5 is not the official one.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// The download failed; `command` is the one that takes a local copy instead.
    case downloadFailed(url: String, reason: String, command: String)
    /// `tar` failed or the archive lacks the expected folder; `expected` says what it should be.
    case extractionFailed(archive: String, reason: String, expected: String)

    public static let fetchCommand = "conveyor data cifar10 --to <folder>"

    public var description: String {
        switch self {
        case let .truncatedFile(file, bytes):
            return "\(file): \(bytes) bytes is not a multiple of the 3073-byte CIFAR-10 record "
                + "(\(bytes / DataLayout.recordSize) whole records and \(bytes % DataLayout.recordSize) bytes left over); "
                + "the file is truncated or not CIFAR-10 binary data. Fetch it again with `\(Self.fetchCommand)`."
        case let .emptyFile(file):
            return "\(file): the file is empty (0 bytes), so it holds no images; the download or copy was cut short. "
                + "Fetch it again with `\(Self.fetchCommand)`."
        case let .tooManyRecords(file, records):
            return "\(file): \(records) records, more than the \(CIFAR10Loader.maximumRecordsPerFile) a CIFAR-10 batch file may hold "
                + "(the official files hold 10000 each); it is not a CIFAR-10 batch file. Split larger data sets over several files."
        case let .unreadableFile(file, reason):
            return "\(file): \(reason); a CIFAR-10 folder holds the batch files themselves. "
                + "Fetch them with `\(Self.fetchCommand)`."
        case let .labelOutOfRange(file, record, value):
            return "\(file): record \(record) has label \(value), but CIFAR-10 labels are 0...9; "
                + "the file is damaged or not CIFAR-10 binary data (CIFAR-100 has two label bytes). "
                + "Fetch it again with `\(Self.fetchCommand)`."
        case let .missingFiles(folder, missing):
            return "\(folder): missing \(missing.joined(separator: ", ")). A CIFAR-10 folder holds "
                + "\(CIFAR10Split.allFileNames.joined(separator: ", ")); fetch them with `\(Self.fetchCommand)` "
                + "(or `--from ARCHIVE` for a local cifar-10-binary.tar.gz)."
        case let .invalidSplit(text):
            return "invalid CIFAR-10 split '\(text)': use batch numbers 1...5 (e.g. '1-4', '5', '1,2,3') or 'test'."
        case let .noData(split):
            return "the \(split) split has no data; check the pipeline's data section"
        case let .checksumMismatch(file, expected, actual):
            return "\(file): MD5 is \(actual) but the official \((file as NSString).lastPathComponent) has \(expected); "
                + "download it again (a partial download is the usual cause)."
        case let .downloadFailed(url, reason, command):
            return "download of \(url) failed: \(reason). Check the network, or download the file elsewhere "
                + "and pass it with `\(command) --from ARCHIVE`."
        case let .extractionFailed(archive, reason, expected):
            return "\(archive): extraction failed: \(reason). The archive should be \(expected)."
        }
    }
}
