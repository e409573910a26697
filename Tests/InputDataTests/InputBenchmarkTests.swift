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
