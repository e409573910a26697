import Foundation

/// Writes a whole file so that a reader sees the old file or the new one, never a part: the
/// bytes go to `<path>.tmp-<pid>` in the same folder, which is fsynced, renamed over `path`,
/// and the folder fsynced. A failure removes the temporary file and leaves `path` as it was.
///
/// Every write goes through here rather than through a library's own file output (HDF5,
/// libpng), so that a full disk is one clear error and no library is left in a half-written
/// state: the libraries encode into memory, this writes the bytes.
public enum OutputFile {
    public static func write(_ bytes: some ContiguousBytes, to path: String) throws {
        let temporary = temporaryPath(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputFileError(path: path, writing: temporary, operation: "create", code: errno) }
        do {
            try bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw OutputFileError(path: path, writing: temporary, operation: "write", code: errno, bytes: buffer.count)
                    }
                    offset += written
                }
            }
            // Space a file system only reserves on write-back (NFS, some quotas) fails here.
            guard fsync(descriptor) == 0 else { throw OutputFileError(path: path, writing: temporary, operation: "fsync", code: errno) }
            guard close(descriptor) == 0 else {
                throw OutputFileError(path: path, writing: temporary, operation: "close", code: errno)
            }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw OutputFileError(path: path, writing: temporary, operation: "rename", code: code)
        }
        let folder = (path as NSString).deletingLastPathComponent
        let folderDescriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            // The rename is done; a folder that cannot be synced (some file systems refuse) loses nothing.
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// The temporary file of a write to `path` by this process.
    public static func temporaryPath(for path: String) -> String { "\(path).tmp-\(getpid())" }
}

/// A file that could not be written: which, where, and whether the disk is full.
public struct OutputFileError: Error, CustomStringConvertible, Equatable {
    /// The file that was to be written.
    public let path: String
    /// The temporary file the bytes were going to.
    public let writing: String
    public let operation: String
    /// `errno` of the failed call.
    public let code: Int32
    /// The size of the whole file, when known.
    public var bytes: Int?

    public init(path: String, writing: String, operation: String, code: Int32, bytes: Int? = nil) {
        self.path = path
        self.writing = writing
        self.operation = operation
        self.code = code
        self.bytes = bytes
    }

    /// No space left, a quota reached, or the file-size limit (`ulimit -f`) reached.
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT || code == EFBIG }

    /// The folder the file was going to, for "free space in ...".
    public var folder: String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    public var description: String {
        let reason = String(cString: strerror(code))
        guard isOutOfSpace else {
            return "could not \(operation) \(writing) (\(reason)); \(path) is unchanged"
        }
        let size = bytes.map { " (\(ByteCount.describe($0)))" } ?? ""
        let why = code == ENOSPC ? "the disk that holds \(folder) is full"
            : code == EDQUOT ? "the disk quota on \(folder) is used up"
            : "the file is larger than this process may write (the file-size limit, ulimit -f)"
        return "no space left to write \(path)\(size): \(why) (\(reason)); \(path) is unchanged and the partial file "
            + "was removed; free space there or write somewhere else"
    }
}

/// Sizes in words for messages.
enum ByteCount {
    static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) }
        return "\(bytes) bytes"
    }
}
