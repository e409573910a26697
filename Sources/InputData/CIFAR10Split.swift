import Foundation

/// Which files of a CIFAR-10 folder make a split: training batches by number and/or the test
/// batch, in order. Empty means no files (a pipeline without validation).
public struct CIFAR10Split: Equatable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// One file: `data_batch_N.bin` (N in 1...5) or `test_batch.bin`.
    public enum Part: Equatable, Hashable, Sendable, CustomStringConvertible {
        case batch(Int)
        case test

        public var fileName: String {
            switch self {
            case let .batch(number): return "data_batch_\(number).bin"
            case .test: return CIFAR10Split.testFileName
            }
        }

        public var description: String {
            switch self {
            case let .batch(number): return String(number)
            case .test: return "test"
            }
        }
    }

    public var parts: [Part]

    public static let trainingFileNames = (1...5).map { "data_batch_\($0).bin" }
    public static let testFileName = "test_batch.bin"
    public static let metaFileName = "batches.meta.txt"
    public static let allFileNames = trainingFileNames + [testFileName, metaFileName]

    public init(parts: [Part]) { self.parts = parts }
    public init(arrayLiteral parts: Part...) { self.parts = parts }

    /// Training batches by number, 1...5 (e.g. `[1, 2, 3, 4]` for training, `[5]` for validation).
    public static func batches(_ numbers: [Int]) -> CIFAR10Split { CIFAR10Split(parts: numbers.map(Part.batch)) }
    /// `test_batch.bin`.
    public static let test = CIFAR10Split(parts: [.test])

    public var isEmpty: Bool { parts.isEmpty }

    /// Parses "test", "train" (1-5), "1-4", "5", "1,2,3" or "1-4,test".
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "train" { self = .batches([1, 2, 3, 4, 5]); return }
        var parts: [Part] = []
        for item in trimmed.split(separator: ",") {
            let word = item.trimmingCharacters(in: .whitespaces)
            if word == "test" { parts.append(.test); continue }
            let bounds = word.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, low <= high
            else { throw DataError.invalidSplit(text) }
            parts += (low...high).map(Part.batch)
        }
        self.init(parts: parts)
        try validate(text)
    }

    /// The files this split reads, in order.
    public var fileNames: [String] { parts.map(\.fileName) }

    public var description: String {
        if parts == [.test] { return "test" }
        return "batches " + parts.map(\.description).joined(separator: ",")
    }

    /// Refuses no files, numbers outside 1...5 and repeated files.
    public func validate(_ text: String? = nil) throws {
        let badNumber = parts.contains { if case let .batch(n) = $0 { return !(1...5).contains(n) } else { return false } }
        if parts.isEmpty || badNumber || Set(parts).count != parts.count {
            throw DataError.invalidSplit(text ?? description)
        }
    }
}
