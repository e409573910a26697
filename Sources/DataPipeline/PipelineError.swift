/// How an epoch of the input pipeline ended early.
public enum PipelineError: Error, CustomStringConvertible {
    /// The first error of any stage; every stage stopped. `stage` is "read", "augment", "pack" or "upload".
    case stage(String, Error)
    /// `cancel()` was called.
    case cancelled
    /// `next()` before `start(epoch:)`.
    case notStarted

    public var description: String {
        switch self {
        case let .stage(name, error): return "\(name): \(error)"
        case .cancelled: return "input pipeline cancelled"
        case .notStarted: return "input pipeline: next() called before start(epoch:)"
        }
    }
}
