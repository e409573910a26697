import FuzzDriver
import Plots

/// `conveyor plot`'s metrics.csv reader on arbitrary bytes: it may refuse, never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetrics(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? RunMetrics.parse(text: text, path: "metrics.csv", name: "fuzz")
    return 0
}

/// The entry point SwiftPM names `main` (see FuzzDriver).
@_cdecl("fuzz_metrics_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzDriver.run(argc, argv, fuzzMetrics)
}
