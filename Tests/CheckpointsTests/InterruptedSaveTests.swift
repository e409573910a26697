import Checkpoints
import Foundation
import XCTest

/// A process killed with SIGKILL in the middle of saving leaves the previous checkpoint whole.
///
/// The parent test runs this same test binary as a child, selecting `testChildSavesInALoop`
/// with CONVEYOR_SAVE_LOOP set to the target path; the child saves ever newer checkpoints until
/// killed. The child test skips itself when the variable is absent.
final class InterruptedSaveTests: XCTestCase {
    static func checkpoint(epoch: UInt64) -> Checkpoint {
        // 2M floats (8 MB) make each save long enough to be killed in the middle of one.
        let values = [Float](repeating: Float(epoch), count: 2_000_000)
        return Checkpoint(epoch: epoch, step: epoch * 10, seed: 1, config: "epoch: \(epoch)",
                          layers: [.init(name: "conv1", tensors: ["weight": .init(shape: [2000, 1000], values: values)])])
    }

    func testChildSavesInALoop() throws {
        guard let path = ProcessInfo.processInfo.environment["CONVEYOR_SAVE_LOOP"] else {
            throw XCTSkip("runs only as the child of testKillDuringSaveLeavesPreviousCheckpoint")
        }
        var epoch: UInt64 = 1
        while true {
            try CheckpointFile.save(Self.checkpoint(epoch: epoch), to: path)
            epoch += 1
        }
    }

    func testKillDuringSaveLeavesPreviousCheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("last.h5").path
        try CheckpointFile.save(Self.checkpoint(epoch: 0), to: path)

        for delay in [0.3, 0.55, 0.8] {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = ["CheckpointsTests.InterruptedSaveTests/testChildSavesInALoop"]
            child.environment = ProcessInfo.processInfo.environment.merging(["CONVEYOR_SAVE_LOOP": path]) { $1 }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            Thread.sleep(forTimeInterval: delay)
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal)

            let loaded = try CheckpointFile.load(from: path)
            XCTAssertEqual(loaded, Self.checkpoint(epoch: loaded.epoch), "delay \(delay)")
        }
        // The killed children leave their temporaries; the checkpoint itself is never partial.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }
        print("temporaries left by killed saves: \(leftovers.count)")
    }
}
