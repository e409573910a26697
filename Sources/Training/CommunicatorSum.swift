import Distributed
import Layers

/// The communicator as the sum synchronised batch norm needs.
final class CommunicatorSum: CrossProcessSum {
    let communicator: Communicator
    init(_ communicator: Communicator) { self.communicator = communicator }
    func sum(_ values: inout [Float]) throws { try communicator.allReduceSum(&values) }
}
