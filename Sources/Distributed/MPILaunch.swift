import Foundation

/// Whether this process was started by `mpirun`, read from the environment Open MPI (and
/// PMIx) give each rank, so that a plain `conveyor train` never touches MPI at all.
public enum MPILaunch {
    /// Open MPI sets these for every rank it starts.
    static let worldSizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK"]

    public static var isUnderMPIRun: Bool {
        let environment = ProcessInfo.processInfo.environment
        return worldSizeVariables.contains { environment[$0] != nil }
    }

    /// The rank among those on this machine, from mpirun's environment.
    public static var localRank: Int? {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_RANK"].flatMap { Int($0) }
    }

    /// MPI's world when launched by mpirun, else the single-process communicator (no MPI call,
    /// no start-up cost).
    public static func communicator() throws -> Communicator {
        isUnderMPIRun ? try MPICommunicator() : SingleProcessCommunicator()
    }
}
