import Hashing
import InputData
import XCTest

/// Today's augmentation settings must keep producing the same batches, bit for bit: a digest of
/// whole epochs of batches, recorded before `flip: alternate` and `translate_padding` existed.
final class AugmenterGoldenTests: XCTestCase {
    /// FNV-1a's constants, a whole word per value, over the bit patterns of every image value, the
    /// labels and the sample order.
    static func digest(settings: AugmentSettings, epochs: [Int]) throws -> UInt64 {
        let source = SyntheticDataset(seed: 3, count: 300)
        let augmenter = try Augmenter(settings: settings, seed: 11)
        let stages = InputStages(source: source, transform: augmenter, settings: .training(batchSize: 64, workers: 2, prefetch: 2, seed: 5))
        var hash = FNV1a()
        func mix(_ value: UInt64) { hash.combine(word: value) }
        for epoch in epochs {
            stages.start(epoch: epoch)
            while let batch = try stages.next() {
                batch.images.forEach { mix(UInt64($0.bitPattern)) }
                batch.labels.forEach { mix(UInt64(UInt32(bitPattern: $0))) }
                batch.sampleIndices.forEach { mix(UInt64($0)) }
            }
        }
        return hash.value
    }

    func testExistingSettingsGiveTheRecordedBatches() throws {
        let normalization = AugmentSettings.Normalization.meanStd(mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3])
        let cases: [(String, AugmentSettings, UInt64)] = [
            ("translate 4 flip cutout 8", AugmentSettings(translate: 4, flip: true, cutout: 8, normalization: normalization), 0x89791d78ce4ff496),
            ("translate 2 flip", AugmentSettings(translate: 2, flip: true, normalization: normalization), 0x30293c72acb9766),
            ("translate 3", AugmentSettings(translate: 3, normalization: normalization), 0x27972f174647e611),
            ("flip only", AugmentSettings(flip: true, normalization: .none), 0x9d85896c8758ad09),
        ]
        for (name, settings, expected) in cases {
            let digest = try Self.digest(settings: settings, epochs: [0, 1, 2])
            print("golden \(name): 0x\(String(digest, radix: 16))")
            XCTAssertEqual(digest, expected, name)
        }
    }
}
