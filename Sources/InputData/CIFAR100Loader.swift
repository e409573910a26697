import Foundation

/// Which labels of CIFAR-100 a run trains on (`data.labels`).
public enum CIFAR100Labels: String, CaseIterable, Sendable {
    /// The 100 classes.
    case fine
    /// The 20 superclasses.
    case coarse

    public var classCount: Int { self == .fine ? 100 : 20 }
    /// The byte of a record that holds this label: coarse first, then fine.
    var offset: Int { self == .fine ? 1 : 0 }
    public var namesFile: String { self == .fine ? "fine_label_names.txt" : "coarse_label_names.txt" }
}

/// One file of the CIFAR-100 binary version (`train.bin`, 50,000 records, or `test.bin`,
/// 10,000), memory-mapped and validated when opened. A record is a coarse-label byte, a
/// fine-label byte and 3072 pixel bytes in CIFAR-10's order.
public final class CIFAR100Loader: DataSource, @unchecked Sendable {
    public static let recordSize = 2 + DataLayout.pixelsPerImage
    public static let trainFileName = "train.bin"
    public static let testFileName = "test.bin"

    public let file: URL
    public let labels: CIFAR100Labels
    public let count: Int
    public let classNames: [String]
    // Mapped and never mutated after init, so reading from many threads is safe.
    private let data: Data

    public init(folder: URL, fileName: String, labels: CIFAR100Labels) throws {
        file = folder.appendingPathComponent(fileName)
        self.labels = labels
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else {
            throw CIFAR100Error(file: file.path, problem: "no such file")
        }
        guard !isDirectory.boolValue else { throw CIFAR100Error(file: file.path, problem: "it is a folder, not a CIFAR-100 file") }
        do { data = try Data(contentsOf: file, options: .alwaysMapped) } catch {
            throw CIFAR100Error(file: file.path, problem: "it cannot be read (\(error.localizedDescription))")
        }
        guard !data.isEmpty else { throw CIFAR100Error(file: file.path, problem: "the file is empty (0 bytes)") }
        guard data.count % Self.recordSize == 0 else {
            throw CIFAR100Error(file: file.path, problem: "\(data.count) bytes is not a multiple of the \(Self.recordSize)-byte "
                                + "CIFAR-100 record (a coarse and a fine label byte, then 3072 pixels); it is truncated or not CIFAR-100")
        }
        let count = data.count / Self.recordSize
        let path = file.path
        self.count = count
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            for record in 0..<count {
                let coarse = Int(bytes[record * Self.recordSize]), fine = Int(bytes[record * Self.recordSize + 1])
                if coarse >= 20 || fine >= 100 {
                    throw CIFAR100Error(file: path, problem: "record \(record) has coarse label \(coarse) and fine label \(fine), "
                                        + "but they are 0...19 and 0...99; the file is damaged or not CIFAR-100")
                }
            }
        }
        classNames = Self.readNames(folder.appendingPathComponent(labels.namesFile), count: labels.classCount)
    }

    public func label(at index: Int) -> Int {
        precondition(index >= 0 && index < count, "sample \(index) outside 0..<\(count)")
        return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in Int(bytes[index * Self.recordSize + labels.offset]) }
    }

    public func copyPixels(at index: Int, into buffer: UnsafeMutablePointer<UInt8>) {
        precondition(index >= 0 && index < count, "sample \(index) outside 0..<\(count)")
        data.withUnsafeBytes { bytes in
            buffer.update(from: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + index * Self.recordSize + 2,
                          count: DataLayout.pixelsPerImage)
        }
    }

    /// One name a line; without the file (or with another count) the classes are numbered.
    static func readNames(_ url: URL, count: Int) -> [String] {
        let numbered = (0..<count).map { "class \($0)" }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return numbered }
        let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return names.count == count ? names : numbered
    }
}

/// A CIFAR-100 file that cannot be used, and what to do.
public struct CIFAR100Error: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let problem: String
    public var description: String {
        "\(file): \(problem). data.source: cifar100 reads the binary version: fetch it with `conveyor data cifar100` "
            + "(into data/cifar-100-binary) and set data.path to that folder"
    }
}
