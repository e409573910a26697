/// The `checkpoint` section; a run writes into `<folder>/<name>/`.
public struct CheckpointSettings: Equatable, Sendable {
    public var folder: String = "runs"
    /// Save every this many epochs (and always after the last).
    public var interval: Int = 1
    /// How many epoch checkpoints to keep besides `last` and `best`.
    public var keep: Int = 3
    /// Write TensorBoard event files (scalars per epoch, filter images) into the run folder.
    public var tensorboard: Bool = true
    /// The first layer's filter grid goes to TensorBoard every this many epochs and after the
    /// last; 0 for never.
    public var filterImageInterval: Int = 5

    public init() {}
}
