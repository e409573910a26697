/// Where a program can have each checkpoint read first somewhere a crash cannot reach it.
///
/// libhdf5 1.10 crashes (SIGSEGV) inside its own object-header and B-tree decoders on some damaged
/// files (docs/testing.md, "Fuzzing"); no check made from outside the library covers them. The
/// `conveyor` command sets `reader` to load the checkpoint in a child process first, so that a
/// crash there becomes a refusal (`CheckpointError.crashedReading`). Library users and the tests,
/// which read checkpoints they wrote themselves, leave it nil and read in-process only.
public enum CheckpointTrialRead {
    /// Called by `CheckpointFile.load` with the path, once the file is known to exist and not be a
    /// folder, before HDF5 opens it; throws to refuse the file. Set once at start-up, before any
    /// thread loads a checkpoint.
    nonisolated(unsafe) public static var reader: ((String) throws -> Void)?
}
