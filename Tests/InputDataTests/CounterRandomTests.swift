import InputData
import XCTest

/// The input stages' shuffles and augmentation are functions of these values (recorded).
final class CounterRandomTests: XCTestCase {
    func testRecordedValues() {
        var random = CounterRandom(7, 1, 2, 3)
        XCTAssertEqual(random.next(), 0x7e94_b103_40f3_26bb)
        XCTAssertEqual(random.next(), 0x37e4_76e6_030e_14f8)
    }
}
