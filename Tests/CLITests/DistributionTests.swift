import Foundation
import XCTest

/// The release machinery: `scripts/check-dist` (which `make dist` runs on the binary it packs)
/// tells a binary with the Swift runtime linked in from one that needs it; the binary in `dist/`
/// passes it when `make dist` has been run; `make install` puts the binary, its completions and
/// the pipelines under PREFIX.
final class DistributionTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func run(_ executable: String, _ arguments: [String], directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? Self.repository
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    var checkDist: String { Self.repository.appendingPathComponent("scripts/check-dist").path }

    /// The test build links the Swift runtime dynamically: check-dist must refuse it and name the libraries.
    func testCheckDistRefusesABinaryThatNeedsTheSwiftRuntime() throws {
        let result = try run(checkDist, [ConveyorProcess.binary.path])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("libswiftCore"), result.output)
        XCTAssertTrue(result.output.contains("--static-swift-stdlib"), result.output)
    }

    /// A small program importing Foundation and FoundationNetworking, as conveyor does, linked
    /// with -static-stdlib: check-dist accepts it (a few seconds; the real binary is `make dist`'s).
    func testCheckDistAcceptsAStaticallyLinkedSwiftProgram() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-static-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        import Foundation
        #if canImport(FoundationNetworking)
        import FoundationNetworking
        #endif
        print(URL(string: "https://example.com")!.host ?? "", Date().timeIntervalSince1970 > 0, URLSession.shared.configuration.timeoutIntervalForRequest)
        """.write(to: folder.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        let swiftc = try XCTUnwrap(["/usr/bin/swiftc", "/opt/swift/usr/bin/swiftc"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/swiftc" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }, "no swiftc on PATH")
        let build = try run(swiftc, ["-static-stdlib", "main.swift", "-o", "static-program"], directory: folder)
        XCTAssertEqual(build.status, 0, build.output)
        let result = try run(checkDist, [folder.appendingPathComponent("static-program").path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("ok: no Swift runtime libraries"), result.output)
    }

    /// The binary `make dist` packed, when there is one.
    func testDistBinaryNeedsNoSwiftRuntime() throws {
        let dist = Self.repository.appendingPathComponent("dist")
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: dist.path)) ?? [])
            .filter { $0.hasPrefix("conveyor-") && $0.hasSuffix("-linux-x86_64") }.sorted()
        guard let folder = folders.last else {
            throw XCTSkip("dist/ has no conveyor-VERSION-linux-x86_64 folder: run `make dist` to build and check the release binary")
        }
        let binary = dist.appendingPathComponent(folder).appendingPathComponent("conveyor").path
        let result = try run(checkDist, [binary])
        XCTAssertEqual(result.status, 0, result.output)
        for library in ["libOpenCL", "libhdf5", "libopenblas", "libpng"] {
            XCTAssertTrue(result.output.contains(library), "\(library) missing from: \(result.output)")
        }
        let version = try run(binary, ["--version"])
        XCTAssertEqual(version.status, 0, version.output)
        XCTAssertTrue(version.output.hasPrefix("conveyor \(folder.dropFirst("conveyor-".count).dropLast("-linux-x86_64".count))"), version.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dist.appendingPathComponent(folder + ".tar.xz").path))
    }

    /// `make install` with the test build as BIN, into a temporary PREFIX.
    func testMakeInstallPutsTheBinaryCompletionsAndPipelinesUnderPrefix() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-prefix-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let install = try run("/usr/bin/make", ["-s", "install", "PREFIX=\(prefix.path)", "BIN=\(ConveyorProcess.binary.path)"])
        XCTAssertEqual(install.status, 0, install.output)
        let files = ["bin/conveyor", "share/bash-completion/completions/conveyor", "share/zsh/site-functions/_conveyor",
                     "share/fish/vendor_completions.d/conveyor.fish", "share/conveyor/pipelines/cifar10-quick.yaml"]
        for file in files {
            XCTAssertTrue(FileManager.default.fileExists(atPath: prefix.appendingPathComponent(file).path), "\(file) not installed")
        }
        let bash = try String(contentsOf: prefix.appendingPathComponent("share/bash-completion/completions/conveyor"), encoding: .utf8)
        XCTAssertTrue(bash.contains("check") && bash.contains("train"), "bash completion without the subcommands")
        // Installed, `check` finds the pipelines in ../share/conveyor/pipelines from the binary.
        let check = try run(prefix.appendingPathComponent("bin/conveyor").path, ["check", "--quick", "--device", "cpu", "--only", "lookahead"],
                            directory: FileManager.default.temporaryDirectory)
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.output.contains("share/conveyor/pipelines/cifar10-fast.yaml"), check.output)
        XCTAssertTrue(check.output.split(separator: "\n").contains { $0.contains("  * ") && $0.contains(" cifar10-fast") }, check.output)
        let uninstall = try run("/usr/bin/make", ["-s", "uninstall", "PREFIX=\(prefix.path)"])
        XCTAssertEqual(uninstall.status, 0, uninstall.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: prefix.appendingPathComponent("bin/conveyor").path))
    }
}
