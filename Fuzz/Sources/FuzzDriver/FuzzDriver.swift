import Foundation

/// Starts libFuzzer from a harness's entry point.
///
/// SwiftPM links every executable with `main` defined as `<module>_main` (so that tests can
/// link executables), which takes the place of libFuzzer's own `main`; each harness therefore
/// defines that symbol and hands over here to `LLVMFuzzerRunDriver`, found with dlsym (the
/// harnesses link with --export-dynamic) rather than declared, since Swift cannot declare a C
/// function without a C module.
public enum FuzzDriver {
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    private typealias Driver = @convention(c) (UnsafeMutablePointer<Int32>,
                                              UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                                              TestOneInput) -> Int32

    public static func run(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                           _ test: TestOneInput) -> Int32 {
        guard let symbol = dlsym(nil, "LLVMFuzzerRunDriver") else {
            fputs("this harness was not linked with libFuzzer (-sanitize=fuzzer); build it with scripts/fuzz\n", stderr)
            return 2
        }
        var count = argc
        var arguments = argv
        return unsafeBitCast(symbol, to: Driver.self)(&count, &arguments, test)
    }
}
