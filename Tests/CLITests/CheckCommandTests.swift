import Foundation
import XCTest

/// `conveyor check` end to end: the quick check passes on the test device, a wrong result, a
/// variant that does not build and a shape without memory are reported per line and give exit
/// status 1 while the other lines still run, and a device that does not exist lists the devices.
final class CheckCommandTests: XCTestCase {
    /// Four of the repository's shipped pipelines, wherever the tests run from: the three
    /// networks of every layer kind and ResNet-20 for the residual blocks (checking the largest
    /// layers of every shipped pipeline takes minutes on 2 cores).
    static let pipelines: String = {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pipelines")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-check-pipelines-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["quickstart", "cifar10-quick", "cifar10-fast", "resnet20"] {
            let target = folder.appendingPathComponent("\(name).yaml")
            try? FileManager.default.removeItem(at: target)
            try? FileManager.default.copyItem(at: shipped.appendingPathComponent("\(name).yaml"), to: target)
        }
        return folder.path
    }()

    func report(_ result: ConveyorProcess.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                      "not one JSON object: \(result.stdout.prefix(500)) \(result.stderr)", file: file, line: line)
    }

    func testQuickCheckPassesEveryLineAndMarksThePipelinesChoices() throws {
        let result = try ConveyorProcess.run(["check", "--quick", "--json", "--device", "cpu", "--pipelines", Self.pipelines])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try report(result)
        XCTAssertEqual(object["all_passed"] as? Bool, true)
        let results = try XCTUnwrap(object["results"] as? [[String: Any]])
        for line in results {
            let status = line["status"] as? String
            XCTAssertTrue(status == "pass" || status == "not-applicable", "\(line)")
            if status == "pass" {
                XCTAssertLessThanOrEqual(line["max_error"] as? Double ?? .infinity, line["tolerance"] as? Double ?? -1, "\(line)")
                XCTAssertFalse((line["comparisons"] as? [Any] ?? []).isEmpty, "\(line)")
            }
        }
        // Every family, each convolution algorithm and both kernel styles ran.
        let ran = Set(results.filter { $0["status"] as? String == "pass" }.compactMap { $0["variant"] as? String })
        let families = Set(results.compactMap { $0["family"] as? String })
        XCTAssertEqual(families, ["conv2d", "fc", "maxpool", "avgpool", "global-avgpool", "batchnorm", "activation", "dropout", "whiten",
                                  "residual", "loss", "sgd", "lookahead", "flip", "shift"])
        for variant in ["conv2d cpu-panels", "conv2d cpu-implicit", "conv2d cpu-channels", "conv2d cpu-winograd", "conv2d cpu-winograd-4x4",
                        "conv2d gpu-winograd 64x64x16/4x4", "conv2d gpu-winograd-4x4 64x64x8/16x16v",
                        "maxpool per-element", "maxpool per-plane",
                        "batchnorm per-element", "batchnorm per-plane", "activation gelu", "loss multiclass-svm"] {
            XCTAssertTrue(ran.contains(variant), "\(variant) did not run: \(ran.sorted())")
        }
        XCTAssertGreaterThanOrEqual(ran.filter { $0.hasPrefix("conv2d tiled-gemm") }.count, 2, "both GEMM tilings: \(ran.sorted())")
        // Batch 1, stride 2 and the pipelines' largest layers are among the shapes.
        let shapes = results.compactMap { $0["shape"] as? String }
        XCTAssertTrue(shapes.contains { $0.hasSuffix("batch 1") })
        XCTAssertTrue(shapes.contains { $0.contains(" s2") })
        XCTAssertTrue(results.contains { ($0["origin"] as? String)?.hasPrefix("cifar10-fast conv") == true })

        let pipelines = try XCTUnwrap(object["pipelines"] as? [[String: Any]])
        XCTAssertEqual(Set(pipelines.compactMap { $0["name"] as? String }), ["cifar10-fast", "cifar10-quick", "quickstart", "resnet20"])
        let quick = try XCTUnwrap(pipelines.first { $0["name"] as? String == "cifar10-quick" }?["variants"] as? [String])
        XCTAssertTrue(quick.contains("conv2d cpu-implicit"), "\(quick)")
        let chosen = results.filter { ($0["chosen_by"] as? [String])?.contains("cifar10-quick") == true }
        XCTAssertTrue(chosen.contains { $0["variant"] as? String == "conv2d cpu-implicit" })
        XCTAssertFalse(chosen.contains { $0["variant"] as? String == "maxpool per-element" }, "a CPU picks per-plane")
    }

    func testFaultsAreReportedPerLineAndFailTheExitStatus() throws {
        // A wrong result (relu), a variant whose program does not build (dropout), a shape without
        // memory (the small whitening shape): each on its own lines, the others still pass.
        let result = try ConveyorProcess.run(
            ["check", "--quick", "--json", "--device", "cpu", "--pipelines", Self.pipelines, "--only", "activation,dropout,whiten"],
            environment: ["CONVEYOR_CHECK_FAULT": "perturb:activation relu,build:dropout,oom:whiten 3x7x6"])
        XCTAssertEqual(result.status, 1, result.stderr)
        let object = try report(result)
        XCTAssertEqual(object["all_passed"] as? Bool, false)
        let results = try XCTUnwrap(object["results"] as? [[String: Any]])
        func lines(_ prefix: String) -> [[String: Any]] { results.filter { ($0["variant"] as? String)?.hasPrefix(prefix) == true } }

        let relu = lines("activation relu")
        XCTAssertFalse(relu.isEmpty)
        for line in relu {
            XCTAssertEqual(line["status"] as? String, "fail", "\(line)")
            XCTAssertEqual(line["worst"] as? String, "output", "\(line)")
            XCTAssertGreaterThan(line["max_error"] as? Double ?? 0, line["tolerance"] as? Double ?? 1, "\(line)")
        }
        XCTAssertTrue(lines("activation gelu").allSatisfy { $0["status"] as? String == "pass" }, "\(lines("activation gelu"))")

        let dropout = try XCTUnwrap(lines("dropout").first)
        XCTAssertEqual(dropout["status"] as? String, "build-failed")
        let log = dropout["detail"] as? String ?? ""
        XCTAssertTrue(log.contains("clBuildProgram") && log.contains("compiler log"), log)
        XCTAssertLessThanOrEqual(log.split(separator: "\n").count, 7, "only the log's first lines: \(log)")

        let whiten = lines("whiten")
        XCTAssertEqual(whiten.first { ($0["shape"] as? String)?.hasPrefix("3x7x6") == true }?["status"] as? String, "out-of-memory")
        XCTAssertEqual(whiten.first { $0["origin"] as? String == "cifar10-fast whiten1" }?["status"] as? String, "pass",
                       "the shapes after an out-of-memory one still run")

        let summary = try XCTUnwrap(object["summary"] as? [String: Any])
        XCTAssertEqual(summary["build_failed"] as? Int, 1)
        XCTAssertEqual(summary["out_of_memory"] as? Int, 1)
        XCTAssertEqual(summary["failed"] as? Int, relu.count)
    }

    func testTextLinesAndSummary() throws {
        let result = try ConveyorProcess.run(["check", "--quick", "--device", "cpu", "--pipelines", Self.pipelines, "--only", "loss"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("pass") }
        XCTAssertEqual(lines.count, 2, result.stdout)
        XCTAssertTrue(lines.allSatisfy { $0.contains("err ") && $0.contains(" ms") }, result.stdout)
        XCTAssertTrue(lines.contains { $0.contains("loss softmax-cross-entropy") && $0.contains("* cifar10-fast cifar10-quick quickstart resnet20") },
                      result.stdout)
        XCTAssertTrue(result.stdout.contains("all checks passed"), result.stdout)
    }

    func testUnknownDeviceListsTheDevices() throws {
        let result = try ConveyorProcess.run(["check", "--quick", "--device", "7"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("no OpenCL device matches --device '7'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("Devices here:") && result.stderr.contains("  0: "), result.stderr)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr)
    }

    func testUnknownFaultKindIsAnError() throws {
        let result = try ConveyorProcess.run(["check", "--quick", "--device", "cpu", "--only", "sgd"],
                                             environment: ["CONVEYOR_CHECK_FAULT": "explode:sgd"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("perturb, build or oom"), result.stderr)
    }

    func testVersionNamesTheCommitAndTheLibraries() throws {
        let result = try ConveyorProcess.run(["--version"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let text = result.stdout
        XCTAssertTrue(text.hasPrefix("conveyor 0."), text)
        XCTAssertTrue(text.contains("git commit: "), text)
        XCTAssertFalse(text.contains("git commit: \n"), text)
        XCTAssertTrue(text.contains("OpenCL headers: 1.2"), text)
        XCTAssertTrue(text.range(of: #"HDF5: \d+\.\d+\.\d+"#, options: .regularExpression) != nil, text)
        XCTAssertTrue(text.contains("OpenBLAS: OpenBLAS "), text)
    }
}
