import InputData
import Dispatch
import XCTest

final class BoundedQueueTests: XCTestCase {
    func testFullQueueBlocksItsProducerAndCloseDrains() throws {
        let queue = BoundedQueue<Int>(capacity: 2)
        let produced = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            for i in 0..<5 { try? queue.put(i) }
            queue.close()
            produced.signal()
        }
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertEqual(queue.count, 2)
        var taken: [Int] = []
        while let item = try queue.take() { taken.append(item) }
        XCTAssertEqual(taken, [0, 1, 2, 3, 4])
        XCTAssertEqual(produced.wait(timeout: .now() + 1), .success)
        XCTAssertEqual(queue.statistics.maxOccupancy, 2)
    }

    func testFailWakesBlockedProducerAndConsumer() {
        struct Boom: Error {}
        let full = BoundedQueue<Int>(capacity: 1), empty = BoundedQueue<Int>(capacity: 1)
        try? full.put(0)
        let woke = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { do { try full.put(1) } catch { woke.signal() } }
        DispatchQueue.global().async { do { _ = try empty.take() } catch is Boom { woke.signal() } catch {} }
        Thread.sleep(forTimeInterval: 0.05)
        full.fail(Boom())
        empty.fail(Boom())
        XCTAssertEqual(woke.wait(timeout: .now() + 1), .success)
        XCTAssertEqual(woke.wait(timeout: .now() + 1), .success)
        XCTAssertThrowsError(try full.take())
    }
}
