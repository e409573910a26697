import Foundation
import XCTest

/// End-to-end tests of the `conveyor` binary, run as a user would.
final class DevicesCommandTests: XCTestCase {
    func testDevicesJSONListsPoCLWithMemory() throws {
        let result = try ConveyorProcess.run(["devices", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let devices = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let pocl = try XCTUnwrap(devices.first { ($0["platform"] as? String)?.contains("Portable Computing Language") == true })
        XCTAssertGreaterThan(pocl["globalMemory"] as? Int ?? 0, 0)
        XCTAssertGreaterThan(pocl["maxAllocation"] as? Int ?? 0, 0)
        XCTAssertEqual(pocl["type"] as? String, "cpu")
    }

    func testDevicesTable() throws {
        let result = try ConveyorProcess.run(["devices"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("global mem"))
    }
}
