import XCTest
@testable import PipelineConfig

/// The error `PipelineConfig.parse` throws for `text` (read as from `path`), failing the test
/// when it parses or throws something else.
func parseError(_ text: String, path: String, overrides: [String] = [], file: StaticString = #filePath,
                line: UInt = #line) -> PipelineConfigError? {
    do {
        _ = try PipelineConfig.parse(text: text, path: path, overrides: overrides)
        XCTFail("expected an error", file: file, line: line)
        return nil
    } catch let error as PipelineConfigError {
        return error
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
        return nil
    }
}
