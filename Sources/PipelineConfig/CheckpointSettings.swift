/// The `checkpoint` section; a run writes into `<folder>/<name>/`.
public struct CheckpointSettings: Equatable, Sendable {
    public var folder: String = "runs"
    /// Save every this many epochs (and always after the last).
    public var interval: Int = 1
    /// How many epoch checkpoints to keep besides `last` and `best`.
    public var keep: Int = 3

    public init() {}
}
