/// The processes of a data-parallel run and the collective operations training needs.
///
/// Training depends on this protocol alone: under `mpirun` it is `MPICommunicator`; a plain
/// `conveyor train` (and every test that does not launch mpirun) gets `SingleProcessCommunicator`,
/// whose operations leave their arguments as they are. Every collective must be called by all
/// ranks in the same order.
public protocol Communicator: AnyObject {
    /// This process's index among all of them, 0..<size.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// This process's index among those on the same machine (which device it takes).
    var localRank: Int { get }

    /// Every rank gets the element-wise sum over all ranks.
    func allReduceSum(_ values: inout [Float]) throws
    /// Sums and counts (exact up to 2^53): losses, correct predictions, images.
    func allReduceSum(_ values: inout [Double]) throws
    /// Starts a sum over all ranks and returns at once, so that backward can go on meanwhile.
    func startAllReduceSum(_ values: [Float]) throws -> PendingSum
    /// Every rank gets `root`'s values.
    func broadcast(_ values: inout [Float], from root: Int) throws
    func broadcast(_ values: inout [UInt64], from root: Int) throws
    func barrier() throws
    /// Prints `message` on standard error (prefixed with the rank) and ends every rank with
    /// `code`: a failing rank must not leave the others waiting in a collective.
    func abort(message: String, code: Int32) -> Never
}

/// A sum started by `startAllReduceSum`.
public protocol PendingSum: AnyObject {
    /// Lets the sum progress without waiting (MPI moves non-blocking collectives on mostly
    /// inside MPI calls, so the trainer polls between layers of backward).
    func poll() throws
    /// Waits for the sum and returns it.
    func wait() throws -> [Float]
}

extension Communicator {
    /// Rank 0 writes checkpoints, metrics and the progress line.
    public var isRoot: Bool { rank == 0 }
}
