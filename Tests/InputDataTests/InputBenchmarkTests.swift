import InputData
import XCTest

final class InputBenchmarkTests: XCTestCase {
    func testReportsAPositiveRate() throws {
        let rate = try InputBenchmark.run(source: SyntheticDataset(seed: 0, count: 600),
                                          settings: AugmentSettings(translate: 4, flip: true, normalization: .auto),
                                          batch: 64, workers: 2, seconds: 0.3)
        XCTAssertGreaterThan(rate, 100)
    }
}

final class ReflectPaddingThroughputTests: XCTestCase {
    /// Reflect padding reads only the translated-in border through a reflected index, so the input
    /// stages keep their rate: within 2x of mean padding on synthetic data (best of three each, to
    /// ride out other work on the machine).
    func testReflectPaddingKeepsTheInputRate() throws {
        let source = SyntheticDataset(seed: 0, count: 2000)
        func rate(_ padding: AugmentSettings.TranslatePadding, flip: AugmentSettings.Flip) throws -> Double {
            try (0..<3).map { _ in
                try InputBenchmark.run(source: source,
                                       settings: AugmentSettings(translate: 2, translatePadding: padding, flip: flip,
                                                                 normalization: .meanStd(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])),
                                       batch: 500, workers: 2, seconds: 0.5)
            }.max()!
        }
        let mean = try rate(.mean, flip: .random), reflect = try rate(.reflect, flip: .alternate)
        print(String(format: "input stages, translate 2: mean padding + random flip %.0f images/s, reflect + alternate flip %.0f images/s (%.2fx)",
                     mean, reflect, reflect / mean))
        XCTAssertGreaterThan(reflect, mean / 2)
    }
}
