import Checkpoints
import Foundation
import Hashing
import XCTest

/// SIGKILL at a random moment of a run (while training, validating or saving), then a resume of
/// the run folder: the final weights, momentum, checkpoints and metrics must equal those of a run
/// never interrupted, bit for bit, and no temporary file may remain.
///
/// `CONVEYOR_KILL_TRIALS` sets the number of trials (default 2: one SIGKILL at a random time, one
/// during a save; later trials cycle through the kinds of `Kind`, each with SIGKILL, SIGINT or
/// SIGTERM and 1 to 4 input workers at random; `scripts/soak-kill-resume N` runs many);
/// `CONVEYOR_KILL_SEED` replays a sequence.
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

    /// The same run with a validation twice the training set's size, seen through
    /// flip_translate test-time augmentation (6 views) after every epoch: most of each epoch's time
    /// is validation and TTA, so a kill at a random moment mostly lands in them.
    static var validationPipeline: String {
        pipeline.replacingOccurrences(of: "synthetic_validation: 64", with: "synthetic_validation: 512")
            .replacingOccurrences(of: "seed: 5}", with: "seed: 5, tta: flip_translate}")
    }

    /// What a trial interrupts: a random moment of training (validation and saves included), the
    /// n-th save, a random moment of the validation-heavy run, or a random moment of a run under
    /// `mpirun -np 2` (SIGKILL to one rank, SIGINT or SIGTERM to mpirun, which passes it on).
    enum Kind: String {
        case randomTime = "at a random time", duringSave = "during a save", validation = "in the validation-heavy run",
             mpirun = "under mpirun -np 2"
    }

    /// make test's 2 trials, then a repeating cycle weighted towards the cheap single-process kinds.
    static func kind(ofTrial trial: Int) -> Kind {
        if trial < 2 { return trial == 0 ? .randomTime : .duringSave }
        return [Kind.randomTime, .duringSave, .validation, .randomTime, .duringSave, .mpirun][(trial - 2) % 6]
    }

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.pipeline.write(to: folder.appendingPathComponent("kill.yaml"), atomically: true, encoding: .utf8)
        try Self.validationPipeline.write(to: folder.appendingPathComponent("killval.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func runFolder(_ name: String) -> URL { folder.appendingPathComponent("runs/\(name)") }

    /// The uninterrupted run of each kind of trial, made when a trial first needs it.
    struct Reference {
        let state: FolderState
        /// How long a run takes: the reference's time, lowered to that of any trial whose run ended
        /// before its signal (the reference also builds the kernels into PoCL's cache, so later
        /// runs are faster, and a kill time drawn from the reference's would often come too late).
        var seconds: Double
    }
    var references: [String: Reference] = [:]

    func reference(pipeline: String, mpirun: Bool) throws -> Reference {
        let key = "\(pipeline) \(mpirun)"
        if let known = references[key] { return known }
        let name = "ref-\(references.count)"
        let start = Date()
        if mpirun {
            let result = try MPIRun.run(ranks: 2, ["train", pipeline, "--set", "name=\(name)"], directory: folder, timeout: 600)
            XCTAssertEqual(result.status, 0, result.stderr)
        } else {
            let result = try ConveyorProcess.run(["train", pipeline, "--set", "name=\(name)"], directory: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let reference = Reference(state: try FolderState(runFolder(name)), seconds: Date().timeIntervalSince(start))
        references[key] = reference
        return reference
    }

    func testKilledRunsResumeToTheUninterruptedWeights() throws {
        let environment = ProcessInfo.processInfo.environment
        let trials = Int(environment["CONVEYOR_KILL_TRIALS"] ?? "") ?? 2
        let seed = UInt64(environment["CONVEYOR_KILL_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970 * 1000)
        var random = SplitMix64(seed: seed)
        print("kill test: \(trials) trials, CONVEYOR_KILL_SEED=\(seed)")

        for trial in 0..<trials {
            var kind = Self.kind(ofTrial: trial)
            if kind == .mpirun && MPIRun.mpirun == nil {
                print("trial \(trial): mpirun is not on PATH, a random-time trial instead")
                kind = .randomTime
            }
            let pipeline = kind == .validation ? "killval.yaml" : "kill.yaml"
            let expected = try reference(pipeline: pipeline, mpirun: kind == .mpirun)
            let name = "k\(trial)"
            let run = runFolder(name)
            // Kill the first process: at a random time, or as its n-th save writes its temporary file;
            // with SIGKILL, or with SIGINT or SIGTERM (which finish the step and save last.h5).
            var saves = 0, sawTemporary = false
            let nthSave = 1 + Int(random.next() % 12)
            let delay = expected.seconds * (0.3 + 0.65 * Double(random.next() % 1000) / 1000)
            let signal = trial < 2 ? SIGKILL : [SIGKILL, SIGINT, SIGTERM][Int(random.next() % 3)]
            // The batches do not depend on the number of input workers, so neither may the result.
            let workers = trial < 2 ? 2 : 1 + Int(random.next() % 4)
            let arguments = ["train", pipeline, "--set", "name=\(name)", "--set", "data.workers=\(workers)"]
            let how = (kind == .duringSave ? "during save \(nthSave)" : String(format: "after %.2f s", delay))
                + " \(kind.rawValue) by signal \(signal), \(workers) input workers"
            let status: Int32
            let started = Date()
            if kind == .mpirun {
                status = try killUnderMPIRun(arguments, signal: signal, after: delay)
            } else {
                let killed = try SignalledProcess.run(arguments, directory: folder, signal: signal, after: delay,
                                                      until: kind == .duringSave ? {
                    let temporary = ((try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? []).contains { $0.contains(".tmp-") }
                    if temporary && !sawTemporary { saves += 1 }
                    sawTemporary = temporary
                    return temporary && saves >= nthSave
                } : nil)
                status = killed.status
                if signal != SIGKILL {
                    // 0: the run ended before the signal came.
                    XCTAssertTrue([0, 128 + signal].contains(killed.status), "trial \(trial) \(how): status \(killed.status): \(killed.stderr)")
                }
            }
            if status == 0 {
                references["\(pipeline) \(kind == .mpirun)"]?.seconds = min(expected.seconds, Date().timeIntervalSince(started))
            }
            let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? []).sorted()
            print("trial \(trial): killed \(how) (status \(status)); folder: \(leftovers.joined(separator: " "))")
            // A soak's log shows each trial as it ends, and keeps them if the soak is stopped.
            fflush(stdout)

            // Resume until done; a run killed before its first checkpoint starts again.
            var finished = false
            for _ in 0..<3 where !finished {
                let hasCheckpoint = leftovers.contains { $0.hasSuffix(".h5") } || FileManager.default.fileExists(atPath: run.appendingPathComponent("last.h5").path)
                let arguments = hasCheckpoint ? ["resume", "runs/\(name)"] : ["train", pipeline, "--set", "name=\(name)"]
                let resumedStatus: Int32, stderr: String
                if kind == .mpirun {
                    let resumed = try MPIRun.run(ranks: 2, arguments, directory: folder, timeout: 600)
                    (resumedStatus, stderr) = (resumed.status, resumed.stderr)
                } else {
                    let resumed = try ConveyorProcess.run(arguments, directory: folder)
                    (resumedStatus, stderr) = (resumed.status, resumed.stderr)
                }
                // Killed after the final last.h5: the resume completes that save and says there is nothing left to train.
                finished = resumedStatus == 0 || stderr.contains("already trained 6 epochs")
                XCTAssertTrue(finished, "trial \(trial): \(arguments.joined(separator: " ")) failed: \(stderr)")
            }
            let state = try FolderState(run)
            XCTAssertEqual(state.files, expected.state.files, "trial \(trial) (\(how)): the same checkpoint files")
            for (file, checkpoint) in expected.state.checkpoints {
                guard let got = state.checkpoints[file] else { continue }
                XCTAssertEqual(got.epoch, checkpoint.epoch, "trial \(trial) \(file)")
                XCTAssertEqual(got.step, checkpoint.step, "trial \(trial) \(file)")
                XCTAssertTrue(got.layers == checkpoint.layers, "trial \(trial) (\(how)) \(file): weights differ from the uninterrupted run")
                XCTAssertTrue(got.optimizer == checkpoint.optimizer, "trial \(trial) (\(how)) \(file): momentum differs")
                XCTAssertEqual(got.normalization, checkpoint.normalization, "trial \(trial) \(file)")
                XCTAssertEqual(got.metrics.map(\.trainLoss), checkpoint.metrics.map(\.trainLoss), "trial \(trial) \(file)")
                XCTAssertEqual(got.metrics.map(\.validationAccuracy), checkpoint.metrics.map(\.validationAccuracy), "trial \(trial) \(file)")
            }
            XCTAssertEqual(state.metricRows, expected.state.metricRows, "trial \(trial) (\(how)): metrics.csv, one row per epoch")
        }
    }

    /// `mpirun -np 2 conveyor ARGUMENTS`, interrupted after `delay` seconds unless it ended: SIGKILL
    /// goes to one rank (killing mpirun itself would orphan the ranks), SIGINT and SIGTERM to mpirun,
    /// which passes them to every rank. Returns mpirun's status.
    func killUnderMPIRun(_ arguments: [String], signal: Int32, after delay: Double) throws -> Int32 {
        let process = try MPIRun.process(programs: [(2, arguments)])
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(MPIRun.environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let start = Date()
        while process.isRunning && Date().timeIntervalSince(start) < delay { usleep(5_000) }
        if process.isRunning {
            if signal == SIGKILL {
                if let rank = MPIRun.children(of: process.processIdentifier).randomElement() { kill(rank, SIGKILL) }
            } else {
                kill(process.processIdentifier, signal)
            }
        }
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            MPIRun.children(of: process.processIdentifier).forEach { kill($0, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
            XCTFail("mpirun did not end within 120 s of signal \(signal)")
        }
        process.waitUntilExit()
        return process.terminationStatus
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

