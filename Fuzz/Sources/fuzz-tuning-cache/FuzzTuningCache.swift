import FuzzDriver
import Foundation
import Layers

/// The tuning cache reader (`tuning.json`): any bytes may be refused or dropped entry by
/// entry, never crash; what it keeps must be plausible.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTuningCache(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard let (machines, _) = try? TuningCache.decode(Data(bytes: data, count: size)) else { return 0 }
    for layers in machines.values {
        for choice in layers.values {
            precondition(TuningCache.chunkBudgetRange.contains(choice.chunkBudgetBytes) && choice.probeBatch >= 1)
        }
    }
    return 0
}

/// The entry point SwiftPM names `main` (see FuzzDriver).
@_cdecl("fuzz_tuning_cache_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzDriver.run(argc, argv, fuzzTuningCache)
}
