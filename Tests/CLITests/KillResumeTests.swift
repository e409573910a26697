import Checkpoints
import Foundation
import Hashing
import XCTest

/// SIGKILL at a random moment of a run (while training, validating or saving), then a resume of
/// the run folder: the final weights, momentum, checkpoints and metrics must equal those of a run
/// never interrupted, bit for bit, and no temporary file may remain.
///
/// `CONVEYOR_KILL_TRIALS` sets the number of trials (default 2: one SIGKILL at a random time, one
/// during a save; later trials pick SIGKILL, SIGINT or SIGTERM and 1 to 4 input workers at
/// random; `scripts/soak-kill-resume N` runs many); `CONVEYOR_KILL_SEED` replays a sequence.
final class KillResumeTests: XCTestCase {
    static let pipeline = """
        name: ref
        data: {source: synthetic, synthetic_train: 256, synthetic_validation: 64}
        model:
          - conv: {filters: 16, size: 3, padding: 1}
          - relu
          - maxpool: {size: 2}
          - fc: {outputs: 128}
          - relu
          - fc: {outputs: 10}
        optimizer: {lr: 0.02, momentum: 0.9}
        train: {epochs: 6, batch: 32, seed: 5}
        checkpoint: {folder: runs, interval: 1, keep: 2}

        """

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.pipeline.write(to: folder.appendingPathComponent("kill.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func runFolder(_ name: String) -> URL { folder.appendingPathComponent("runs/\(name)") }

    func testKilledRunsResumeToTheUninterruptedWeights() throws {
        let environment = ProcessInfo.processInfo.environment
        let trials = Int(environment["CONVEYOR_KILL_TRIALS"] ?? "") ?? 2
        let seed = UInt64(environment["CONVEYOR_KILL_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970 * 1000)
        var random = SplitMix64(seed: seed)
        print("kill test: \(trials) trials, CONVEYOR_KILL_SEED=\(seed)")

        let start = Date()
        let reference = try ConveyorProcess.run(["train", "kill.yaml"], directory: folder)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let referenceSeconds = Date().timeIntervalSince(start)
        let expected = try FolderState(runFolder("ref"))

        for trial in 0..<trials {
            let name = "k\(trial)"
            let run = runFolder(name)
            let duringSave = trial % 2 == 1
            // Kill the first process: at a random time, or as its n-th save writes its temporary file;
            // with SIGKILL, or with SIGINT or SIGTERM (which finish the step and save last.h5).
            var saves = 0, sawTemporary = false
            let nthSave = 1 + Int(random.next() % 12)
            let delay = referenceSeconds * (0.3 + 0.65 * Double(random.next() % 1000) / 1000)
            let signal = trial < 2 ? SIGKILL : [SIGKILL, SIGINT, SIGTERM][Int(random.next() % 3)]
            // The batches do not depend on the number of input workers, so neither may the result.
            let workers = trial < 2 ? 2 : 1 + Int(random.next() % 4)
            let killed = try SignalledProcess.run(["train", "kill.yaml", "--set", "name=\(name)", "--set", "data.workers=\(workers)"],
                                                  directory: folder, signal: signal, after: delay, until: duringSave ? {
                let temporary = ((try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? []).contains { $0.contains(".tmp-") }
                if temporary && !sawTemporary { saves += 1 }
                sawTemporary = temporary
                return temporary && saves >= nthSave
            } : nil)
            let how = (duringSave ? "during save \(nthSave)" : String(format: "after %.2f s", delay))
                + " by signal \(signal), \(workers) input workers"
            if signal != SIGKILL {
                // 0: the run ended before the signal came.
                XCTAssertTrue([0, 128 + signal].contains(killed.status), "trial \(trial) \(how): status \(killed.status): \(killed.stderr)")
            }
            let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? []).sorted()
            print("trial \(trial): killed \(how) (status \(killed.status)); folder: \(leftovers.joined(separator: " "))")

            // Resume until done; a run killed before its first checkpoint starts again.
            var finished = false
            for _ in 0..<3 where !finished {
                let hasCheckpoint = leftovers.contains { $0.hasSuffix(".h5") } || FileManager.default.fileExists(atPath: run.appendingPathComponent("last.h5").path)
                let arguments = hasCheckpoint ? ["resume", "runs/\(name)"] : ["train", "kill.yaml", "--set", "name=\(name)"]
                let resumed = try ConveyorProcess.run(arguments, directory: folder)
                // Killed after the final last.h5: the resume completes that save and says there is nothing left to train.
                finished = resumed.status == 0 || resumed.stderr.contains("already trained 6 epochs")
                XCTAssertTrue(finished, "trial \(trial): \(arguments.joined(separator: " ")) failed: \(resumed.stderr)")
            }
            let state = try FolderState(run)
            XCTAssertEqual(state.files, expected.files, "trial \(trial) (\(how)): the same checkpoint files")
            for (file, checkpoint) in expected.checkpoints {
                guard let got = state.checkpoints[file] else { continue }
                XCTAssertEqual(got.epoch, checkpoint.epoch, "trial \(trial) \(file)")
                XCTAssertEqual(got.step, checkpoint.step, "trial \(trial) \(file)")
                XCTAssertTrue(got.layers == checkpoint.layers, "trial \(trial) (\(how)) \(file): weights differ from the uninterrupted run")
                XCTAssertTrue(got.optimizer == checkpoint.optimizer, "trial \(trial) (\(how)) \(file): momentum differs")
                XCTAssertEqual(got.normalization, checkpoint.normalization, "trial \(trial) \(file)")
                XCTAssertEqual(got.metrics.map(\.trainLoss), checkpoint.metrics.map(\.trainLoss), "trial \(trial) \(file)")
                XCTAssertEqual(got.metrics.map(\.validationAccuracy), checkpoint.metrics.map(\.validationAccuracy), "trial \(trial) \(file)")
            }
            XCTAssertEqual(state.metricRows, expected.metricRows, "trial \(trial) (\(how)): metrics.csv, one row per epoch")
        }
    }
}

/// What a finished run folder holds: its files, each checkpoint, and metrics.csv without the
/// timing columns. TensorBoard event files are left out: their names hold the time, host and
/// process, and a resumed run adds one file per process (InterchangeCommandTests check that the
/// epochs in them appear once each).
struct FolderState {
    let files: [String]
    let checkpoints: [String: Checkpoint]
    let metricRows: [String]

    init(_ folder: URL) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            .filter { !$0.hasPrefix("events.out.tfevents.") }
        files = names
        var checkpoints: [String: Checkpoint] = [:]
        for name in names where name.hasSuffix(".h5") {
            checkpoints[name] = try CheckpointFile.load(from: folder.appendingPathComponent(name).path)
        }
        self.checkpoints = checkpoints
        let text = try String(contentsOf: folder.appendingPathComponent("metrics.csv"), encoding: .utf8)
        metricRows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(6).joined(separator: ",") }
    }
}

