import Foundation
import XCTest

/// Damaged checkpoints that `scripts/fuzz checkpoint` found to crash libhdf5 1.10 itself
/// (docs/testing.md), kept in Fuzz/known-faults/checkpoint/ (not in the corpus, which must not
/// crash the harness): every command that opens a checkpoint must refuse them with status 1 and
/// a message naming the file, never die by a signal. `conveyor` reads each checkpoint in a child
/// process first (CheckpointChildRead), so a crash there is the refusal.
final class HDF5KnownFaultTests: XCTestCase {
    static let faults = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/known-faults/checkpoint")

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-hdf5-fault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Each command that opens a checkpoint, on `path`.
    func commands(_ path: String) -> [[String]] {
        [["evaluate", path], ["export", path, "--out", "m.onnx"], ["filters", path, "--out", "f.png"],
         ["activations", path, "--out", "a.h5"], ["predict", path, "image.png"], ["report", path, "--out", "r.html"],
         ["resume", path]]
    }

    /// Every `hdf5-segv-*` input: SIGSEGV inside libhdf5 (in H5F__accum_read, H5HG_read and elsewhere)
    /// and inside libc's free called by H5MM_xfree.
    func testCrashesOfTheHDF5LibraryAreRefusedByEveryCommand() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.faults.path).filter { $0.hasPrefix("hdf5-segv-") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 2)
        for name in names {
            let path = folder.appendingPathComponent(name).path
            try FileManager.default.copyItem(atPath: Self.faults.appendingPathComponent(name).path, toPath: path)
            for arguments in commands(path) {
                let result = try ConveyorProcess.run(arguments, directory: folder)
                let command = arguments.joined(separator: " ")
                XCTAssertEqual(result.status, 1, "\(command): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains("checkpoint \(path) is damaged: the HDF5 library crashed reading it (signal"),
                              "\(command): \(result.stderr)")
            }
        }
    }

    /// A run folder whose last.h5 crashes libhdf5 resumes from the checkpoint before it, and says so.
    func testARunFolderSkipsACrashingCheckpoint() throws {
        let run = folder.appendingPathComponent("runs/faulty")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.faults.appendingPathComponent("hdf5-segv-in-hdf5.h5").path,
                                         toPath: run.appendingPathComponent("last.h5").path)
        let result = try ConveyorProcess.run(["resume", "runs/faulty"], directory: folder)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("last.h5: checkpoint") && result.stderr.contains("the HDF5 library crashed reading it"),
                      result.stderr)
    }

    /// A path whose reading never ends (here a named pipe nobody writes; a damaged file on which
    /// libhdf5 loops is the same to the command) is refused once the child's time is up.
    func testACheckpointWhoseReadingNeverEndsIsRefused() throws {
        let path = folder.appendingPathComponent("pipe.h5").path
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        let start = Date()
        let result = try ConveyorProcess.run(["evaluate", path], environment: ["CONVEYOR_CHECKPOINT_READ_SECONDS": "2"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("checkpoint \(path) could not be read: reading it had not finished after 2 s"), result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    }

    /// A variable-length string whose stored length is about 2^32: libhdf5 allocates and touches
    /// that much (4 GiB for a 22 KB file) before it finds the global heap damaged. The child reads
    /// under an address-space limit, so the allocation fails there, and its refusal is trusted: the
    /// command refuses the file quickly and never makes the allocation itself.
    func testAFileClaimingGigabytesIsRefusedWithinTheChildsMemory() throws {
        let input = Self.faults.appendingPathComponent("hdf5-vlen-claims-4-gib.h5").path
        let start = Date()
        let result = try ConveyorProcess.run(["evaluate", input])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("\(input) is truncated or corrupt") && result.stderr.contains("memory allocation failed"),
                      result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    }

    /// A link message that fails to decode makes H5G__link_release_table free a name pointer it
    /// never set: with glibc's allocator that pointer has been null every time, so the file is
    /// refused as corrupt; under AddressSanitizer (which fills new memory) the child crashes.
    func testTheDamagedLinkMessageIsRefused() throws {
        let input = Self.faults.appendingPathComponent("hdf5-link-table-free-uninitialised.h5").path
        let result = try ConveyorProcess.run(["evaluate", input])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue((result.stderr.contains("is truncated or corrupt") && result.stderr.contains("bad version number for message"))
                      || result.stderr.contains("the HDF5 library crashed reading it"), result.stderr)
    }
}
