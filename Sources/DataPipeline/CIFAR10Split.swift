import Foundation

/// Which files of a CIFAR-10 folder make a split: some of the five training batches, or the test batch.
public enum CIFAR10Split: Equatable, Sendable, CustomStringConvertible {
    /// Training batches by number, 1...5 (e.g. `[1, 2, 3, 4]` for training, `[5]` for validation).
    case batches([Int])
    /// `test_batch.bin`.
    case test

    public static let trainingFileNames = (1...5).map { "data_batch_\($0).bin" }
    public static let testFileName = "test_batch.bin"
    public static let metaFileName = "batches.meta.txt"
    public static let allFileNames = trainingFileNames + [testFileName, metaFileName]

    /// Parses "test", "train" (1-5), "1-4", "5" or "1,2,3".
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "test" { self = .test; return }
        if trimmed == "train" { self = .batches([1, 2, 3, 4, 5]); return }
        var numbers: [Int] = []
        for part in trimmed.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, low <= high
            else { throw DataError.invalidSplit(text) }
            numbers += Array(low...high)
        }
        self = .batches(numbers)
        try validate(text)
    }

    /// The files this split reads, in order.
    public var fileNames: [String] {
        switch self {
        case let .batches(numbers): return numbers.map { "data_batch_\($0).bin" }
        case .test: return [Self.testFileName]
        }
    }

    public var description: String {
        switch self {
        case let .batches(numbers): return "batches " + numbers.map(String.init).joined(separator: ",")
        case .test: return "test"
        }
    }

    func validate(_ text: String? = nil) throws {
        if case let .batches(numbers) = self,
           numbers.isEmpty || numbers.contains(where: { !(1...5).contains($0) }) || Set(numbers).count != numbers.count {
            throw DataError.invalidSplit(text ?? description)
        }
    }
}
