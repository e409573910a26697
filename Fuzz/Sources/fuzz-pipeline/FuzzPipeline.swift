import FuzzDriver
import PipelineConfig

/// The pipeline decoder with `--set` overrides: leading lines `--set key.path=value` are
/// overrides, the rest is the pipeline file. Any input may be refused; none may crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
    var overrides: [String] = []
    while let first = lines.first, first.hasPrefix("--set ") {
        overrides.append(String(first.dropFirst(6)))
        lines = lines.dropFirst()
    }
    _ = try? PipelineConfig.parse(text: lines.joined(separator: "\n"), path: "fuzz.yaml", overrides: overrides)
    return 0
}

/// The entry point SwiftPM names `main` (see FuzzDriver).
@_cdecl("fuzz_pipeline_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzDriver.run(argc, argv, fuzzPipeline)
}
