/// How an epoch of the input stages ended early.
public enum InputStageError: Error, CustomStringConvertible {
    /// The first error of any stage; every stage stopped. `stage` is "read", "augment", "pack" or "upload".
    case stage(String, Error)
    /// `cancel()` was called.
    case cancelled
    /// `next()` before `start(epoch:)`.
    case notStarted

    public var description: String {
        switch self {
        case let .stage(name, error): return "\(name): \(error)"
        case .cancelled: return "input stages cancelled"
        case .notStarted: return "input stages: next() called before start(epoch:)"
        }
    }
}
