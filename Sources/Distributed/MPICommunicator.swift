import CMPI
import Foundation

/// `MPI_COMM_WORLD` of a process started by `mpirun`, through libmpi loaded at run time (CMPI).
///
/// MPI is initialised on creation (funneled: only the training thread calls MPI; the input
/// stages never do) and finalised when the process exits normally, which Open MPI's mpirun
/// expects of every rank. Errors in MPI calls abort the job (MPI's default handler).
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let localRank: Int

    nonisolated(unsafe) private static var finalizeRegistered = false

    public init() throws {
        guard cmpi_library() != nil else {
            let reason = cmpi_load_error().map { String(cString: $0) } ?? "libmpi.so.40 not found"
            throw DistributedError.libraryMissing(reason: reason)
        }
        var initialized: Int32 = 0
        try Self.check(cmpi_initialized(&initialized), "MPI_Initialized")
        if initialized == 0 {
            var provided: Int32 = 0
            try Self.check(cmpi_init_thread(cmpi_thread_funneled(), &provided), "MPI_Init_thread")
        }
        if !Self.finalizeRegistered {
            Self.finalizeRegistered = true
            atexit {
                var finalized: Int32 = 0
                _ = cmpi_finalized(&finalized)
                if finalized == 0 { _ = cmpi_finalize() }
            }
        }
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(cmpi_comm_rank(cmpi_comm_world(), &rank), "MPI_Comm_rank")
        try Self.check(cmpi_comm_size(cmpi_comm_world(), &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
        localRank = MPILaunch.localRank ?? Int(rank)
    }

    public func allReduceSum(_ values: inout [Float]) throws {
        let count = Int32(values.count)
        try values.withUnsafeMutableBytes { bytes in
            try Self.check(cmpi_allreduce_in_place(bytes.baseAddress, count, cmpi_float(), cmpi_sum(), cmpi_comm_world()),
                           "MPI_Allreduce")
        }
    }

    public func allReduceSum(_ values: inout [Double]) throws {
        let count = Int32(values.count)
        try values.withUnsafeMutableBytes { bytes in
            try Self.check(cmpi_allreduce_in_place(bytes.baseAddress, count, cmpi_double(), cmpi_sum(), cmpi_comm_world()),
                           "MPI_Allreduce")
        }
    }

    public func startAllReduceSum(_ values: [Float]) throws -> PendingSum {
        try Pending(values: values)
    }

    public func broadcast(_ values: inout [Float], from root: Int) throws {
        let count = Int32(values.count)
        try values.withUnsafeMutableBytes { bytes in
            try Self.check(cmpi_bcast(bytes.baseAddress, count, cmpi_float(), Int32(root), cmpi_comm_world()), "MPI_Bcast")
        }
    }

    public func broadcast(_ values: inout [UInt64], from root: Int) throws {
        let count = Int32(values.count)
        try values.withUnsafeMutableBytes { bytes in
            try Self.check(cmpi_bcast(bytes.baseAddress, count, cmpi_uint64(), Int32(root), cmpi_comm_world()), "MPI_Bcast")
        }
    }

    public func barrier() throws {
        try Self.check(cmpi_barrier(cmpi_comm_world()), "MPI_Barrier")
    }

    public func abort(message: String, code: Int32) -> Never {
        fflush(stdout)
        FileHandle.standardError.write(Data("rank \(rank) of \(size): \(message)\n".utf8))
        _ = cmpi_abort(cmpi_comm_world(), code)
        exit(code)   // MPI_Abort does not return; this satisfies the type checker
    }

    static func check(_ code: Int32, _ call: String) throws {
        guard code == 0 else { throw DistributedError.mpi(call: call, code: code) }
    }

    /// An `MPI_Iallreduce` in place on a buffer this object owns until the sum arrives.
    private final class Pending: PendingSum {
        let buffer: UnsafeMutableBufferPointer<Float>
        var request: MPI_Request?
        var done = false

        init(values: [Float]) throws {
            buffer = .allocate(capacity: max(values.count, 1))
            _ = buffer.initialize(from: values)
            try MPICommunicator.check(cmpi_iallreduce_in_place(buffer.baseAddress, Int32(values.count), cmpi_float(), cmpi_sum(),
                                                               cmpi_comm_world(), &request), "MPI_Iallreduce")
            count = values.count
        }

        let count: Int

        func poll() throws {
            guard !done else { return }
            var finished: Int32 = 0
            try MPICommunicator.check(cmpi_test(&request, &finished), "MPI_Test")
            done = finished != 0
        }

        func wait() throws -> [Float] {
            if !done {
                try MPICommunicator.check(cmpi_wait(&request), "MPI_Wait")
                done = true
            }
            return Array(buffer.prefix(count))
        }

        deinit {
            if !done { _ = try? wait() }
            buffer.deallocate()
        }
    }
}
