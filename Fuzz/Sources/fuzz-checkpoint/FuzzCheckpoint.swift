import FuzzDriver
import Checkpoints
import Foundation

/// The checkpoint reader on mutated HDF5 files (seeded from real checkpoints of a tiny
/// network): `CheckpointFile.load` may refuse, never crash, hang or allocate what a file claims.
private let path: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return (base as NSString).appendingPathComponent("conveyor-fuzz-checkpoint-\(getpid()).h5")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard (try? Data(bytes: data, count: size).write(to: URL(fileURLWithPath: path))) != nil else { return 0 }
    defer { unlink(path) }
    _ = try? CheckpointFile.load(from: path)
    return 0
}

/// The entry point SwiftPM names `main` (see FuzzDriver).
@_cdecl("fuzz_checkpoint_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzDriver.run(argc, argv, fuzzCheckpoint)
}
