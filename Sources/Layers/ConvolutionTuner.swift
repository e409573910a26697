import Foundation
import OpenCLRuntime

/// Picks each convolution's algorithm and chunk size by measuring them on the machine at
/// first use, and remembers the result in a `TuningCache`.
///
/// The rules (`ConvAlgorithm.preferred`, a chunk of a quarter of the reported last-level
/// cache) are the first candidate and the fallback; they were tuned on one machine and a VM
/// can report a last-level cache of hundreds of MiB. Candidates: every algorithm of the device's
/// style that can run the layer (`ConvAlgorithm.isTunerCandidate`: the cpu-* ones on CPUs,
/// gpu-winograd on GPUs, tiled-gemm on both), each with chunk budgets of 0.5, 1, 2, 8
/// and 32 MiB beside the rule's (tiled-gemm: its default only), timed as forward + backward on a probe batch of the
/// training batch (at most `maxProbeBatch` images and `maxProbeBytes` of probe buffers), best of `timings` rounds over
/// the candidates; a candidate more than `dropRatio` times slower than the best of a round leaves the race, and the
/// rules' choice stays unless another is at least 5% faster.
public final class ConvolutionTuner: @unchecked Sendable {
    public let cache: TuningCache
    /// The probe batch's ceiling. Measured at 64 images, the choices did not hold at the batch of
    /// 256 (cifar10-fast's 64x16x16 -> 256 layer: cpu-channels won at 64 and ran the batch of
    /// 256 1.4x slower than cpu-winograd-4x4): the transformed tiles' products only fill their
    /// register blocks, and the chunks only meet the caches, at the batch that trains.
    public static let maxProbeBatch = 256
    /// The ceiling of the probe's four buffers (input, output and their gradients), which also
    /// bounds the probe batch: large images must not make tuning need more memory than training.
    static let maxProbeBytes = 256 << 20
    static let candidateBudgets = [512 << 10, 1 << 20, 2 << 20, 8 << 20, 32 << 20]
    static let dropRatio = 1.5
    /// Timings per candidate (the best counts), and how much faster than the rules' choice
    /// a candidate must be to replace it.
    static let timings = 3
    static let keepRuleRatio = 0.95
    /// Environment variable: `off` keeps the rules and measures nothing.
    public static let switchVariable = "CONVEYOR_TUNING"

    private let log: (String) -> Void
    /// Overrides the measurement in tests: milliseconds for (algorithm, chunk images).
    var timer: ((ConvAlgorithm, Int) throws -> Double)?
    /// Called before each candidate is timed (layer name, candidate 1-based, candidates), so
    /// that a command can say what start-up is doing while tuning takes seconds.
    public var progress: ((_ layer: String, _ candidate: Int, _ candidates: Int) -> Void)?
    /// The per-rank batch the network being built will run at (`BatchRequest`, set by whoever
    /// resolved it), which the probe batch follows; nil when not known yet (`batch: auto`).
    public var batch: Int?
    /// Whether any layer was measured (its temporary buffers then raised the memory peak).
    public private(set) var measured = 0
    /// The machine key of the device last asked about: /proc/cpuinfo is read once, not per layer.
    private var machineKey: (device: String, key: String)?

    public init(cache: TuningCache, log: @escaping (String) -> Void = { _ in }) {
        self.cache = cache
        self.log = log
    }

    /// The tuner the commands use: nil when `CONVEYOR_TUNING=off` or an algorithm is forced
    /// with `CONVEYOR_CONV_ALGORITHM`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                       log: @escaping (String) -> Void) -> ConvolutionTuner? {
        if environment[switchVariable]?.lowercased() == "off" { return nil }
        if let forced = environment[ConvAlgorithm.overrideVariable], !forced.isEmpty { return nil }
        let cache = TuningCache(url: TuningCache.defaultURL(environment: environment))
        if let damaged = cache.damaged { log("warning: tuning cache " + damaged) }
        return ConvolutionTuner(cache: cache, log: log)
    }

    /// The layer key: the shape of the work (not the layer's name), and the probe batch.
    static func layerKey(input: Shape, config: Conv2DConfig, probeBatch: Int) -> String {
        "conv \(input.channels)x\(input.height)x\(input.width) f\(config.filters) k\(config.size) s\(config.stride) "
            + "p\(config.padding) d\(config.dilation) g\(config.groups) bias\(config.bias ? 1 : 0) probe\(probeBatch)"
    }

    /// A convolution with the measured choice for its shape (from the cache, else measured
    /// now and stored), measured on a probe batch of `batch` images, at most `maxProbeBatch`.
    public func convolution(context: ComputeContext, name: String, input: Shape, config: Conv2DConfig) throws -> Conv2D {
        let output = try Conv2D.outputShape(name: name, input: input, config: config)
        let probe = Self.probeBatch(batch: batch, input: input, output: output)
        let machine = machineKey(for: context.device)
        let key = Self.layerKey(input: input, config: config, probeBatch: probe)
        // A cached choice builds the layer directly: no other buffers, so the memory peak stays the plan's.
        if let cached = cache.choice(machine: machine, layer: key), let algorithm = ConvAlgorithm(rawValue: cached.algorithm),
           algorithm.refusal(input: input, config: config, output: output) == nil, cached.chunkBudgetBytes > 0 {
            return try Conv2D(context: context, name: name, input: input, config: config, algorithm: algorithm,
                              chunkBudgetBytes: cached.chunkBudgetBytes)
        }
        let rule = try Conv2D(context: context, name: name, input: input, config: config)
        let candidates = Self.candidates(rule: rule, context: context, input: input, config: config, probe: probe)
        guard candidates.count > 1 else { return rule }
        let choice = try measure(candidates, context: context, name: name, input: input, output: output, config: config, probe: probe)
        measured += 1
        do {
            try cache.store(choice, machine: machine, layer: key)
        } catch {
            log("warning: the tuning of \(name) is used but not kept: \(error.localizedDescription)")
        }
        log(String(format: "tuned %@ (%dx%dx%d, %d filters of %dx%d): %@ with %@ chunks, %.1f ms for %d images (rules: %.1f ms)",
                   name, input.channels, input.height, input.width, config.filters, config.size, config.size, choice.algorithm,
                   ByteCount.format(choice.chunkBudgetBytes), choice.milliseconds, probe, choice.ruleMilliseconds))
        let chosen = ConvAlgorithm(rawValue: choice.algorithm)!
        if chosen == rule.algorithm && choice.chunkBudgetBytes == rule.chunkBudgetBytes { return rule }
        return try Conv2D(context: context, name: name, input: input, config: config, algorithm: chosen,
                          chunkBudgetBytes: choice.chunkBudgetBytes)
    }

    /// Images of the probe: the training batch (64 while it is not known yet), at most
    /// `maxProbeBatch` and as many as `maxProbeBytes` holds.
    static func probeBatch(batch: Int?, input: Shape, output: Shape) -> Int {
        let bytesPerImage = 2 * (input.count + output.count) * MemoryLayout<Float>.size
        return max(1, min(batch ?? 64, maxProbeBatch, maxProbeBytes / max(bytesPerImage, 1)))
    }

    private func machineKey(for device: Device) -> String {
        if let machineKey, machineKey.device == device.cacheKey { return machineKey.key }
        let key = TuningCache.machineKey(for: device)
        machineKey = (device.cacheKey, key)
        return key
    }

    struct Candidate: Equatable {
        var algorithm: ConvAlgorithm
        var budget: Int
    }

    /// The rules' choice first, then every other algorithm and budget that gives a different
    /// chunk of the probe batch.
    static func candidates(rule: Conv2D, context: ComputeContext, input: Shape, config: Conv2DConfig, probe: Int) -> [Candidate] {
        var list = [Candidate(algorithm: rule.algorithm, budget: rule.chunkBudgetBytes)]
        var seen: Set<String> = ["\(rule.algorithm.rawValue)/\(rule.chunkSize(batch: probe))"]
        for algorithm in ConvAlgorithm.allCases where algorithm.isTunerCandidate(on: context.device.kind)
            && algorithm.refusal(input: input, config: config, output: rule.outputShape) == nil {
            guard let probeLayer = try? Conv2D(context: context, name: rule.name, input: input, config: config, algorithm: algorithm)
            else { continue }
            let budgets = algorithm == .tiledGemm ? [Conv2D.defaultChunkBudgetBytes] : candidateBudgets + [probeLayer.chunkBudgetBytes]
            for budget in budgets {
                probeLayer.chunkBudgetBytes = budget
                let id = "\(algorithm.rawValue)/\(probeLayer.chunkSize(batch: probe))"
                if seen.insert(id).inserted { list.append(Candidate(algorithm: algorithm, budget: budget)) }
            }
        }
        return list
    }

    /// Times the candidates in `timings` rounds, each round every candidate still in the race
    /// once, one after the other: a machine whose speed drifts (other tenants, clocks) then
    /// slows a round, not one candidate's every timing. The best timing of each counts.
    private func measure(_ candidates: [Candidate], context: ComputeContext, name: String, input: Shape, output: Shape,
                         config: Conv2DConfig, probe: Int) throws -> ConvolutionChoice {
        let bench = timer == nil ? try ProbeBatch(context: context, input: input, output: output, probe: probe) : nil
        var warmed: Set<ConvAlgorithm> = []
        var best = [Double](repeating: .infinity, count: candidates.count)
        // What was measured is chunks of this many images: a budget past the probe batch would
        // make larger chunks at the training batch, which nothing measured (2-core Xeon,
        // 256x8x8 planes: 32 MiB won on 64 images and ran the batch of 256 1.6x slower).
        var budgets = candidates.map(\.budget)
        // Each candidate's layer lives from its first timing until it leaves the race, so that
        // later rounds time it as training runs it, its scratch already touched (a new layer's
        // fresh memory would be first touched inside the timing, more for larger chunks).
        var layers = [Conv2D?](repeating: nil, count: candidates.count)
        for round in 0..<Self.timings {
            let fastest = best.min() ?? .infinity
            for number in candidates.indices where best[number] > fastest * Self.dropRatio { layers[number] = nil }
            for (number, candidate) in candidates.enumerated() where best[number] <= fastest * Self.dropRatio {
                if round == 0 { progress?(name, number + 1, candidates.count) }
                let layer = try layers[number] ?? Conv2D(context: context, name: name + ".tuning", input: input, config: config,
                                                         algorithm: candidate.algorithm, chunkBudgetBytes: candidate.budget)
                layers[number] = layer
                budgets[number] = min(candidate.budget, layer.chunkBudget(images: layer.chunkSize(batch: probe)))
                let ms: Double
                if let timer {
                    ms = try timer(candidate.algorithm, layer.chunkSize(batch: probe))
                } else {
                    // The first launch of a kernel compiles it (PoCL): warm each algorithm on one image.
                    if warmed.insert(candidate.algorithm).inserted { _ = try bench!.time(layer, batch: 1) }
                    ms = try bench!.time(layer, batch: probe)
                }
                best[number] = min(best[number], ms)
            }
        }
        var chosen = best.indices.min { best[$0] < best[$1] }!
        // The rules keep the layer, with their own chunk rule, unless another candidate is clearly
        // faster: a few percent is noise.
        if best[chosen] > best[0] * Self.keepRuleRatio { chosen = 0 }
        let budget = chosen == 0 ? candidates[0].budget : budgets[chosen]
        return ConvolutionChoice(algorithm: candidates[chosen].algorithm.rawValue, chunkBudgetBytes: budget,
                                 milliseconds: best[chosen], ruleMilliseconds: best[0], probeBatch: probe)
    }

    /// Random input and output gradient of a probe batch, and buffers for the results.
    private struct ProbeBatch {
        let context: ComputeContext
        let x, y, dy, dx: DeviceBuffer<Float>

        init(context: ComputeContext, input: Shape, output: Shape, probe: Int) throws {
            self.context = context
            var generator = SystemRandomNumberGenerator()
            func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
            x = try context.buffer(random(probe * input.count), label: "tuning.input")
            dy = try context.buffer(random(probe * output.count), label: "tuning.output-gradient")
            y = try context.buffer(Float.self, count: probe * output.count, label: "tuning.output")
            dx = try context.buffer(Float.self, count: probe * input.count, label: "tuning.input-gradient")
            // Touched before any timing, so that the first candidate does not pay for their first touches.
            try y.fill(0)
            try dx.fill(0)
        }

        /// Milliseconds of one forward and backward of `batch` images, measured after a finish.
        func time(_ layer: Conv2D, batch: Int) throws -> Double {
            try layer.reserve(batch: batch)
            try context.finish()
            let start = DispatchTime.now().uptimeNanoseconds
            try layer.forward(x, into: y, batch: batch, mode: .training)
            try layer.backward(input: x, output: y, outputGradient: dy, inputGradient: dx, batch: batch)
            try context.finish()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
    }
}
