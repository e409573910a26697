import Distributed
import Foundation

/// What the ranks of a data-parallel run decide together after every step: the batch's loss,
/// correct predictions and images summed over the ranks (so the progress line, the metrics and
/// the NaN guard see the global batch and every rank takes the same branch), and whether to
/// stop (any rank that received SIGINT or SIGTERM stops all of them after the same step).
///
/// With one rank nothing is exchanged and the values come back as they went in.
final class RankAgreement {
    struct Totals {
        var loss: Double
        var correct: Int
        var images: Int
        /// The signal that stops the run after this step, if any rank received one.
        var stop: Int32?
    }

    let communicator: Communicator

    init(communicator: Communicator) {
        self.communicator = communicator
    }

    func afterStep(_ local: Totals) throws -> Totals {
        guard communicator.size > 1 else { return local }
        var values = [local.loss, Double(local.correct), Double(local.images), Double(local.stop ?? 0), local.stop == nil ? 0 : 1]
        try communicator.allReduceSum(&values)
        // mpirun forwards a signal to every rank; one it has not reached yet stops with the
        // signal the others received.
        let signalled = values[4] > 0 ? (local.stop ?? Int32(values[3] / values[4])) : nil
        return Totals(loss: values[0], correct: Int(values[1]), images: Int(values[2]), stop: signalled)
    }
}
