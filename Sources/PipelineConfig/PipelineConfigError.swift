import Foundation

/// A pipeline file that cannot be used, with where the problem is and what to change.
///
/// The description reads like a compiler message: `pipelines/x.yaml:12: unknown key
/// 'learning_rate' in optimizer; did you mean 'lr'?`, or `--set train.epochs=ten: ...` when the
/// value came from the command line.
public struct PipelineConfigError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The pipeline file the error is in.
    public let file: String
    /// The 1-based line in `file`, or nil when the value came from `--set` or the whole file is at fault.
    public let line: Int?
    /// The `--set key.path=value` text the value came from, if any.
    public let override: String?
    /// What is wrong, without the location.
    public let message: String

    public init(file: String, line: Int?, override: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.override = override
        self.message = message
    }

    /// `file:line`, `--set text`, or the file alone.
    public var location: String {
        if let override { return "--set \(override)" }
        if let line { return "\(file):\(line)" }
        return file
    }

    public var description: String { "\(location): \(message)" }
    public var errorDescription: String? { description }
}
