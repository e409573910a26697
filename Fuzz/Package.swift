// swift-tools-version:6.0
import PackageDescription

// libFuzzer harnesses, one executable per reader of files from elsewhere. A package of its own
// so that `swift build --build-tests` of Conveyor never builds them: `scripts/fuzz` builds them
// in .build-fuzz, with every target compiled for AddressSanitizer and libFuzzer's coverage
// (-Xswiftc flags there) and only the harnesses linked with libFuzzer, whose `main` would clash
// with the build tools' own. The dependency path is a link the script makes, so that the
// package's identity is "conveyor" whatever the checkout's folder is called.
let harness: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
let fuzzer: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer", "-Xlinker", "--export-dynamic"])]
let readers = Target.Dependency.product(name: "ConveyorReaders", package: "conveyor")

let package = Package(
    name: "ConveyorFuzz",
    dependencies: [.package(path: "../.build-fuzz/conveyor")],
    targets: [.target(name: "FuzzDriver")] + ["fuzz-pipeline", "fuzz-cifar10", "fuzz-checkpoint", "fuzz-metrics", "fuzz-tuning-cache"].map {
        .executableTarget(name: $0, dependencies: [readers, "FuzzDriver"], swiftSettings: harness, linkerSettings: fuzzer)
    },
    swiftLanguageModes: [.v5]
)
