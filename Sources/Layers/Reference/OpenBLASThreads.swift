import COpenBLAS

/// The thread count of OpenBLAS, which the CPU references' matrix products use.
public enum OpenBLASThreads {
    /// Threads OpenBLAS uses now (OPENBLAS_NUM_THREADS, else one per core).
    public static var current: Int { Int(openblas_get_num_threads()) }

    public static func set(_ threads: Int) { openblas_set_num_threads(Int32(max(threads, 1))) }
}
