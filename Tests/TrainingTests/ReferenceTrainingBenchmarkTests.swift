import Foundation
import XCTest
@testable import Training

/// The OpenBLAS CPU reference path of `conveyor bench --reference` trains for real.
final class ReferenceTrainingBenchmarkTests: XCTestCase {
    func testReferencePathTrainsTheTinyNetwork() throws {
        let folder = TrainingFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Every layer kind of the tiny network (conv, batch norm, ReLU, max pool, dropout, fc)
        // and label-smoothed softmax; the same batch every step, so the loss must fall.
        let run = try TrainingFixtures.run(TrainingFixtures.tinyPipeline(folder: folder), overrides: ["optimizer.lr=0.02"])
        let report = try ReferenceTrainingBenchmark(step: run.step, batch: run.batch).run(steps: 8, threads: 1)
        XCTAssertEqual(report.losses.count, 8)
        XCTAssertEqual(report.threads, 1)
        XCTAssertTrue(report.imagesPerSecond > 0 && report.imagesPerSecond.isFinite)
        XCTAssertTrue(report.losses.allSatisfy(\.isFinite), "\(report.losses)")
        XCTAssertLessThan(report.losses.last!, report.losses.first! * 0.8, "losses \(report.losses)")
    }
}
