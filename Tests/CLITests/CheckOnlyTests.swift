import Foundation
import XCTest

/// `conveyor check --only TEXT` that selects no line must not report "all checks passed"
/// (issue 27): it says that nothing matched, lists what can be matched, and exits 1.
final class CheckOnlyTests: XCTestCase {
    static let pipelines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines").path

    func testTextThatMatchesNothingIsAnError() throws {
        let result = try ConveyorProcess.run(["check", "--quick", "--device", "cpu", "--pipelines", Self.pipelines,
                                              "--only", "no-such-kernel"])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertFalse(result.stdout.contains("all checks passed"), result.stdout)
        XCTAssertTrue(result.stderr.contains("--only 'no-such-kernel' matches no line"), result.stderr)
        XCTAssertTrue(result.stderr.contains("conv2d") && result.stderr.contains("loss softmax-cross-entropy"),
                      "the variants that can be matched: \(result.stderr)")
    }

    func testOnlyCommasIsAnError() throws {
        let result = try ConveyorProcess.run(["check", "--quick", "--device", "cpu", "--pipelines", Self.pipelines, "--only", " , "])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("names nothing to match"), result.stderr)
    }

    func testOneTextOfSeveralMatchingIsEnough() throws {
        let result = try ConveyorProcess.run(["check", "--quick", "--device", "cpu", "--pipelines", Self.pipelines,
                                              "--only", "no-such-kernel,sgd"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("all checks passed"), result.stdout)
    }
}
