import FuzzDriver
import Foundation
import InputData

/// The CIFAR-10 record reader: the input is `data_batch_1.bin`; every record the loader accepts
/// is read (label and pixels). The loader maps files, so the input goes through a file, in
/// /dev/shm where there is one.
private let folder: URL = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
    let folder = base.appendingPathComponent("conveyor-fuzz-cifar10-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: URL(fileURLWithPath: "/dev/shm/conveyor-fuzz-cifar10-\(getpid())")) }
    return folder
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFAR10(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let file = folder.appendingPathComponent("data_batch_1.bin")
    guard (try? Data(bytes: data, count: size).write(to: file)) != nil else { return 0 }
    guard let loader = try? CIFAR10Loader(folder: folder, split: "1") else { return 0 }
    let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * 32 * 32)
    defer { pixels.deallocate() }
    var sum = 0
    for index in 0..<loader.count {
        sum &+= loader.label(at: index)
        loader.copyPixels(at: index, into: pixels)
    }
    precondition(sum >= 0 && loader.classNames.count == 10)
    return 0
}

/// The entry point SwiftPM names `main` (see FuzzDriver).
@_cdecl("fuzz_cifar10_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzDriver.run(argc, argv, fuzzCIFAR10)
}
