/// A checkpoint whose layers or tensors do not match the network built from the pipeline.
public struct CheckpointMismatch: Error, CustomStringConvertible {
    public let differences: [String]

    public init(differences: [String]) {
        self.differences = differences
    }

    public var description: String {
        "the checkpoint does not match the pipeline's network:\n" + differences.map { "  - \($0)" }.joined(separator: "\n")
            + "\nResume with the pipeline it was trained with (`conveyor resume CHECKPOINT` uses the stored one)."
    }
}
