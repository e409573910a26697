import Checkpoints
import Foundation
import XCTest

/// Inputs `scripts/fuzz checkpoint` found, kept in its corpus (Fuzz/corpus/checkpoint/regression-*):
/// each must be refused as a damaged checkpoint, at once.
final class FuzzRegressionTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/checkpoint")

    func testEveryRegressionInputIsRefusedQuickly() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0.hasPrefix("regression-") }.sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let start = Date()
            XCTAssertThrowsError(try CheckpointFile.load(from: Self.corpus.appendingPathComponent(name).path), name) { error in
                guard case .corrupt? = error as? CheckpointError else { return XCTFail("\(name): \(error)") }
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, name)
        }
    }
}
