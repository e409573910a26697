import Checkpoints
import Foundation
import XCTest

/// A checkpoint whose tensors claim more elements than the file could hold is refused as
/// corrupt before anything is read or allocated (issue 27).
final class CheckpointClaimTests: XCTestCase {
    /// A layer width no other number of the file has, so that its bytes can be patched alone.
    static let marker: UInt64 = 0x1235

    func testATensorLargerThanTheFileIsCorrupt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("claim-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let width = Int(Self.marker)
        let checkpoint = Checkpoint(epoch: 1, step: 1, seed: 1, config: "name: claim\n",
                                    layers: [.init(name: "fc1", tensors: ["bias": .init(shape: [width], values: .init(repeating: 0.5, count: width))])],
                                    optimizer: [])
        try CheckpointFile.save(checkpoint, to: path)
        XCTAssertEqual(try CheckpointFile.load(from: path).layers.first?.tensors["bias"]?.values.count, width)

        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let from = withUnsafeBytes(of: Self.marker.littleEndian, Array.init)
        let to = withUnsafeBytes(of: (UInt64(1) << 28).littleEndian, Array.init)   // 1 GiB of floats
        var index = 0
        var patched = 0
        while index + 8 <= bytes.count {
            if Array(bytes[index ..< index + 8]) == from {
                bytes.replaceSubrange(index ..< index + 8, with: to)
                patched += 1
            }
            index += 1
        }
        XCTAssertGreaterThan(patched, 0)
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        XCTAssertThrowsError(try CheckpointFile.load(from: path)) { error in
            guard case .corrupt(_, let detail)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("/model/fc1/bias") && detail.contains("more than the whole file holds"), detail)
        }
    }
}
