import InputData
import XCTest

final class SyntheticDatasetTests: XCTestCase {
    func testImagesArePureFunctionsOfSeedAndIndex() {
        let a = SyntheticDataset(seed: 7, count: 100), b = SyntheticDataset(seed: 7, count: 100)
        for i in [0, 13, 99] { XCTAssertEqual(a.pixels(at: i), b.pixels(at: i)) }
        XCTAssertNotEqual(a.pixels(at: 3), SyntheticDataset(seed: 8, count: 100).pixels(at: 3))
        XCTAssertEqual(a.classNames.count, 10)
        XCTAssertEqual(Set((0..<100).map(a.label(at:))), Set(0..<10))
    }

    func testClassesDifferAndNoSinglePixelGivesTheClass() {
        let data = SyntheticDataset(seed: 1, count: 2000)
        // Mean image per class: shapes differ, so class means differ.
        var means = [[Double]](repeating: [Double](repeating: 0, count: 3072), count: 10)
        for i in 0..<data.count {
            let pixels = data.pixels(at: i)
            for p in 0..<3072 { means[data.label(at: i)][p] += Double(pixels[p]) / 200 }
        }
        for a in 0..<10 {
            for b in (a + 1)..<10 { XCTAssertNotEqual(means[a], means[b]) }
        }
        // Colours are random per image: the overall brightness of any class stays near the middle.
        for c in 0..<10 {
            let average = means[c].reduce(0, +) / 3072
            XCTAssertTrue((80...175).contains(average), "class \(c) mean \(average)")
        }
    }
}
