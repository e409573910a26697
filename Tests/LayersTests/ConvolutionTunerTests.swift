import ConveyorKernels
import Foundation
@testable import Layers
import OpenCLRuntime
import XCTest

/// The convolution tuner: candidates, the choice of the fastest, the cache on disk and its key.
final class ConvolutionTunerTests: XCTestCase {
    var context: ComputeContext!
    var cacheURL: URL!

    override func setUpWithError() throws {
        context = try makeTestContext()
        try XCTSkipUnless(context.device.kind == .cpu, "the tuner measures CPU devices only")
        cacheURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("conveyor-tuning-\(UUID().uuidString)/tuning.json")
    }

    override func tearDownWithError() throws {
        if let cacheURL { try? FileManager.default.removeItem(at: cacheURL.deletingLastPathComponent()) }
    }

    // 16x16 planes: every algorithm can run it, cpu-implicit with its plain kernels.
    let input = Shape(channels: 8, height: 16, width: 16)
    let config = Conv2DConfig(filters: 16, size: 3, padding: 1)

    func testPicksTheFastestCandidateAndStoresIt() throws {
        let tuner = ConvolutionTuner(cache: TuningCache(url: cacheURL))
        var timed: [ConvAlgorithm: Int] = [:]
        // Panels are fastest in chunks of part of the probe batch; the others are slower whatever the chunk.
        tuner.timer = { algorithm, chunk in
            timed[algorithm, default: 0] += 1
            switch algorithm {
            case .cpuPanels: return chunk < 64 ? 10 : 20
            case .cpuImplicit, .cpuChannels, .cpuWinograd, .cpuWinograd4: return 30
            case .tiledGemm: return 100
            case .gpuWinograd, .gpuWinograd4: return 1  // never a candidate on a CPU device
            }
        }
        let layer = try tuner.convolution(context: context, name: "conv1", input: input, config: config, batch: 64)
        XCTAssertEqual(layer.algorithm, .cpuPanels)
        XCTAssertNil(timed[.gpuWinograd])
        XCTAssertLessThan(layer.chunkSize(batch: 64), 64)
        XCTAssertEqual(tuner.measured, 1)
        // tiled-gemm is more than 1.5x the best when it is timed: timed once only.
        XCTAssertEqual(timed[.tiledGemm], 1)

        let reopened = TuningCache(url: cacheURL)
        let key = ConvolutionTuner.layerKey(input: input, config: config, probeBatch: 64)
        let stored = try XCTUnwrap(reopened.choice(machine: TuningCache.machineKey(for: context.device), layer: key))
        XCTAssertEqual(stored.algorithm, "cpu-panels")
        XCTAssertEqual(stored.milliseconds, 10)
        XCTAssertEqual(stored.chunkBudgetBytes, layer.chunkBudgetBytes)
    }

    /// Every candidate is timed once before any is timed again: a slow spell of the machine slows
    /// a round, not all the timings of one candidate.
    func testCandidatesAreTimedInRounds() throws {
        let tuner = ConvolutionTuner(cache: TuningCache(url: cacheURL))
        var order: [String] = []   // "algorithm/chunk": one per candidate
        tuner.timer = { algorithm, chunk in
            order.append("\(algorithm.rawValue)/\(chunk)")
            return algorithm == .tiledGemm ? 100 : 10
        }
        _ = try tuner.convolution(context: context, name: "conv1", input: input, config: config, batch: 64)
        let candidates = Set(order)
        XCTAssertGreaterThan(candidates.count, 5)
        let secondTiming = try XCTUnwrap(order.indices.first { order[..<$0].contains(order[$0]) })
        // Before any second timing, every candidate was timed once; then the others twice more,
        // tiled-gemm (10x slower) never again.
        XCTAssertEqual(Set(order[..<secondTiming]), candidates)
        XCTAssertEqual(order.count, 3 * candidates.count - 2)
        XCTAssertEqual(order.filter { $0.hasPrefix("tiled-gemm") }.count, 1)
    }

    func testABudgetPastTheProbeIsKeptToTheMeasuredChunk() throws {
        let tuner = ConvolutionTuner(cache: TuningCache(url: cacheURL))
        // cpu-channels in one chunk of the whole probe (256 images, the ceiling) is fastest; at a
        // batch of 1024 its chunks stay the 256 images measured, not what its budget would allow.
        tuner.timer = { algorithm, chunk in algorithm == .cpuChannels && chunk == 256 ? 10 : 50 }
        let layer = try tuner.convolution(context: context, name: "conv1", input: input, config: config, batch: 1024)
        XCTAssertEqual(layer.algorithm, .cpuChannels)
        XCTAssertEqual(layer.chunkSize(batch: 1024), 256)
        XCTAssertEqual(layer.chunkSize(batch: 256), 256)
    }

    /// The probe follows the training batch up to 256 images, and large images shrink it so that its
    /// buffers stay within 256 MiB; an unknown batch (`batch: auto`, before it is resolved) probes 64.
    func testTheProbeFollowsTheBatchWithinItsMemory() {
        let small = Shape(channels: 64, height: 16, width: 16)
        XCTAssertEqual(ConvolutionTuner.probeBatch(batch: 100, input: small, output: small), 100)
        XCTAssertEqual(ConvolutionTuner.probeBatch(batch: 1024, input: small, output: small), 256)
        XCTAssertEqual(ConvolutionTuner.probeBatch(batch: nil, input: small, output: small), 64)
        // 64 channels of 128x128 in and out: 16 MiB of buffers an image.
        let large = Shape(channels: 64, height: 128, width: 128)
        XCTAssertEqual(ConvolutionTuner.probeBatch(batch: 256, input: large, output: large), 16)
        let huge = Shape(channels: 256, height: 1024, width: 1024)
        XCTAssertEqual(ConvolutionTuner.probeBatch(batch: 256, input: huge, output: huge), 1)
    }

    func testTheRulesStayUnlessAnotherIsClearlyFaster() throws {
        let tuner = ConvolutionTuner(cache: TuningCache(url: cacheURL))
        let rule = try Conv2D(context: context, name: "rule", input: input, config: config)
        // Every other candidate 3% faster than the rules' choice: within the noise, the rules stay.
        tuner.timer = { algorithm, chunk in
            algorithm == rule.algorithm && chunk == rule.chunkSize(batch: 64) ? 100 : 97
        }
        let layer = try tuner.convolution(context: context, name: "conv1", input: input, config: config, batch: 64)
        XCTAssertEqual(layer.algorithm, rule.algorithm)
        XCTAssertEqual(layer.chunkBudgetBytes, rule.chunkBudgetBytes)
    }

    func testACachedChoiceIsUsedWithoutMeasuring() throws {
        let cache = TuningCache(url: cacheURL)
        let key = ConvolutionTuner.layerKey(input: input, config: config, probeBatch: 32)
        try cache.store(ConvolutionChoice(algorithm: "tiled-gemm", chunkBudgetBytes: 3 << 20, milliseconds: 1, ruleMilliseconds: 2,
                                          probeBatch: 32),
                        machine: TuningCache.machineKey(for: context.device), layer: key)
        let tuner = ConvolutionTuner(cache: TuningCache(url: cacheURL))
        tuner.timer = { _, _ in XCTFail("a cached shape must not be measured"); return 1 }
        let layer = try tuner.convolution(context: context, name: "conv1", input: input, config: config, batch: 32)
        XCTAssertEqual(layer.algorithm, .tiledGemm)
        XCTAssertEqual(layer.chunkBudgetBytes, 3 << 20)
        XCTAssertEqual(tuner.measured, 0)
        // Another probe batch is another key: measured.
        tuner.timer = { _, _ in 5 }
        _ = try tuner.convolution(context: context, name: "conv1", input: input, config: config, batch: 16)
        XCTAssertEqual(tuner.measured, 1)
    }

    func testAnUnknownOrRefusedCachedAlgorithmIsMeasuredAgain() throws {
        let cache = TuningCache(url: cacheURL)
        let strided = Conv2DConfig(filters: 16, size: 4, stride: 2, padding: 1)
        let machine = TuningCache.machineKey(for: context.device)
        // cpu-implicit cannot run stride 2; "winograd" is no algorithm of this version.
        try cache.store(ConvolutionChoice(algorithm: "cpu-implicit", chunkBudgetBytes: 1 << 20, milliseconds: 1, ruleMilliseconds: 1,
                                          probeBatch: 8),
                        machine: machine, layer: ConvolutionTuner.layerKey(input: input, config: strided, probeBatch: 8))
        try cache.store(ConvolutionChoice(algorithm: "winograd", chunkBudgetBytes: 1 << 20, milliseconds: 1, ruleMilliseconds: 1,
                                          probeBatch: 8),
                        machine: machine, layer: ConvolutionTuner.layerKey(input: input, config: config, probeBatch: 8))
        let tuner = ConvolutionTuner(cache: TuningCache(url: cacheURL))
        tuner.timer = { algorithm, _ in algorithm == .tiledGemm ? 1 : 2 }
        XCTAssertEqual(try tuner.convolution(context: context, name: "a", input: input, config: strided, batch: 8).algorithm, .tiledGemm)
        XCTAssertEqual(try tuner.convolution(context: context, name: "b", input: input, config: config, batch: 8).algorithm, .tiledGemm)
        XCTAssertGreaterThanOrEqual(tuner.measured, 1)
    }

    /// Each style is timed on its own kind of device: the cpu-* algorithms on CPUs, gpu-winograd
    /// on GPUs, tiled-gemm on both; and gpu-winograd takes the layers cpu-winograd takes.
    func testCandidatesFollowTheDevicesStyle() {
        XCTAssertEqual(ConvAlgorithm.allCases.filter { $0.isTunerCandidate(on: .cpu) },
                       [.tiledGemm, .cpuPanels, .cpuImplicit, .cpuChannels, .cpuWinograd, .cpuWinograd4])
        XCTAssertEqual(ConvAlgorithm.allCases.filter { $0.isTunerCandidate(on: .gpu) }, [.tiledGemm, .gpuWinograd, .gpuWinograd4])
        let output = Shape(channels: 16, height: 8, width: 8)
        for config in [self.config, Conv2DConfig(filters: 16, size: 5, padding: 2), Conv2DConfig(filters: 16, size: 3, stride: 2, padding: 1)] {
            XCTAssertEqual(ConvAlgorithm.gpuWinograd.refusal(input: input, config: config, output: output) == nil,
                           ConvAlgorithm.cpuWinograd.refusal(input: input, config: config, output: output) == nil, "\(config)")
        }
    }

    func testRealMeasurementGivesAWorkingLayer() throws {
        let tuner = ConvolutionTuner(cache: TuningCache(url: cacheURL))
        let layer = try tuner.convolution(context: context, name: "conv1", input: input, config: config, batch: 4)
        let stored = try XCTUnwrap(TuningCache(url: cacheURL).entries.values.first?.values.first)
        XCTAssertGreaterThan(stored.milliseconds, 0)
        XCTAssertLessThanOrEqual(stored.milliseconds, stored.ruleMilliseconds, "the rules' choice is a candidate")
        XCTAssertEqual(stored.algorithm, layer.algorithm.rawValue)
    }

    func testCacheKeepsAnotherWritersEntriesAndSurvivesDamage() throws {
        let first = TuningCache(url: cacheURL), second = TuningCache(url: cacheURL)
        let choice = ConvolutionChoice(algorithm: "cpu-panels", chunkBudgetBytes: 1 << 20, milliseconds: 1, ruleMilliseconds: 2, probeBatch: 4)
        try first.store(choice, machine: "m", layer: "a")
        try second.store(choice, machine: "m", layer: "b")
        XCTAssertEqual(Set(TuningCache(url: cacheURL).entries["m"]?.keys.map { $0 } ?? []), ["a", "b"])

        try Data("{ not json".utf8).write(to: cacheURL)
        let damaged = TuningCache(url: cacheURL)
        XCTAssertTrue(damaged.entries.isEmpty)
        XCTAssertNotNil(damaged.damaged)
        try damaged.store(choice, machine: "m", layer: "c")
        XCTAssertEqual(TuningCache(url: cacheURL).entries["m"]?.keys.sorted(), ["c"])

        XCTAssertTrue(try damaged.clear())
        XCTAssertFalse(FileManager.default.fileExists(atPath: cacheURL.path))
        XCTAssertFalse(try damaged.clear())
    }

    func testMachineKeyNamesTheCPUModel() throws {
        let cpuInfo = "processor\t: 0\nmodel name\t: Test CPU 9000\ncpu family\t: 6\nmodel\t\t: 207\nstepping\t: 2\n"
            + "processor\t: 1\nmodel name\t: Test CPU 9000\n"
        let key = TuningCache.machineKey(for: context.device, cpuInfo: cpuInfo)
        XCTAssertTrue(key.hasPrefix(context.device.cacheKey))
        XCTAssertTrue(key.contains("Test CPU 9000/6/207/2"), key)
        XCTAssertTrue(key.contains("|\(context.device.computeUnits) cores|"), key)
        // Measurements made with other kernels are not reused: the key ends with their hash.
        let kernels = KernelSources.fingerprint(of: TuningCache.convolutionKernelFiles)
        XCTAssertTrue(key.hasSuffix("|kernels \(kernels)"), key)
        XCTAssertNotEqual(kernels, KernelSources.fingerprint(of: TuningCache.convolutionKernelFiles + ["pool.cl"]))
        XCTAssertEqual(kernels, KernelSources.fingerprint(of: TuningCache.convolutionKernelFiles))
        XCTAssertNotEqual(key, TuningCache.machineKey(for: context.device, cpuInfo: cpuInfo.replacingOccurrences(of: "9000", with: "9001")))
    }

    func testEnvironmentSwitches() {
        XCTAssertNil(ConvolutionTuner.fromEnvironment(["CONVEYOR_TUNING": "off"], log: { _ in }))
        XCTAssertNil(ConvolutionTuner.fromEnvironment(["CONVEYOR_CONV_ALGORITHM": "tiled-gemm"], log: { _ in }))
        let tuner = ConvolutionTuner.fromEnvironment(["CONVEYOR_TUNING_CACHE": cacheURL.path], log: { _ in })
        XCTAssertEqual(tuner?.cache.url.path, cacheURL.path)
        XCTAssertEqual(TuningCache.defaultURL(environment: ["XDG_CACHE_HOME": "/x"]).path, "/x/conveyor/tuning.json")
    }
}

extension ConvolutionTuner {
    /// The tuner's choice for a network run at `batch` images (per rank).
    func convolution(context: ComputeContext, name: String, input: Shape, config: Conv2DConfig, batch: Int) throws -> Conv2D {
        self.batch = batch
        return try convolution(context: context, name: name, input: input, config: config)
    }
}
