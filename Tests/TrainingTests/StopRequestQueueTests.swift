import Dispatch
import Foundation
@testable import Training
import XCTest

/// A SIGTERM while the input normalisation of a large set was measured went unanswered for more
/// than 120 s under load (BadInputTests' signal-term-while-measuring, status 137): the handler ran
/// on `.global()`, whose workers `concurrentPerform` held. `StopRequest`'s handlers run on a queue
/// of their own, which must get a thread while every worker of the pool is busy.
final class StopRequestQueueTests: XCTestCase {
    func testTheHandlerQueueRunsWhileConcurrentPerformHoldsEveryWorker() {
        let workers = ProcessInfo.processInfo.activeProcessorCount
        let busy = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let handled = DispatchSemaphore(value: 0)
        DispatchQueue(label: "occupier").async {
            // More iterations than workers, each blocking until the handler has run.
            DispatchQueue.concurrentPerform(iterations: workers * 2) { _ in
                busy.signal()
                release.wait()
            }
        }
        for _ in 0..<workers { busy.wait() }
        StopRequest.handlerQueue.async { handled.signal() }
        let ran = handled.wait(timeout: .now() + 10) == .success
        for _ in 0..<(workers * 2) { release.signal() }
        XCTAssertTrue(ran, "the stop handler's queue waited for the pool that concurrentPerform held")
    }
}
