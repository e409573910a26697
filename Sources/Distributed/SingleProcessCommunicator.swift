import Foundation

/// The communicator of a run that is its own only rank: sums and broadcasts leave their
/// arguments untouched, so the single-process arithmetic is exactly that of a run without MPI.
public final class SingleProcessCommunicator: Communicator {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var localRank: Int { 0 }

    public func allReduceSum(_ values: inout [Float]) throws {}
    public func allReduceSum(_ values: inout [Double]) throws {}
    public func startAllReduceSum(_ values: [Float]) throws -> PendingSum { Finished(values: values) }
    public func broadcast(_ values: inout [Float], from root: Int) throws {}
    public func broadcast(_ values: inout [UInt64], from root: Int) throws {}
    public func barrier() throws {}

    public func abort(message: String, code: Int32) -> Never {
        fflush(stdout)
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        exit(code)
    }

    private final class Finished: PendingSum {
        let values: [Float]
        init(values: [Float]) { self.values = values }
        func poll() throws {}
        func wait() throws -> [Float] { values }
    }
}
