/// A failed MPI call, or ranks that no longer agree.
public enum DistributedError: Error, CustomStringConvertible {
    case mpi(call: String, code: Int32)
    /// mpirun started this process but Open MPI's library cannot be loaded.
    case libraryMissing(reason: String)
    case replicasDiverged(detail: String)

    public var description: String {
        switch self {
        case let .mpi(call, code):
            return "\(call) failed with MPI error \(code); check that every rank runs the same conveyor and pipeline"
        case let .libraryMissing(reason):
            return "this process was started by mpirun but Open MPI's library cannot be loaded (\(reason)); install Open MPI "
                + "(apt-get install openmpi-bin libopenmpi-dev, or scripts/install-deps) on every machine of the job"
        case let .replicasDiverged(detail):
            return "the ranks' weights are no longer identical (\(detail)); this is a bug or a faulty device: "
                + "resume from the last checkpoint, and report it if it happens again"
        }
    }
}
