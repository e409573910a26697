import ConveyorKernels
import Foundation
import OpenCLRuntime

/// Measured convolution choices on disk, so a machine measures each layer shape once.
///
/// One JSON file (`~/.cache/conveyor/tuning.json`; `$XDG_CACHE_HOME` and
/// `CONVEYOR_TUNING_CACHE` move it) maps a machine key (device, driver, CPU model, cores) to
/// layer keys and their `ConvolutionChoice`. Writes go to a temporary file renamed over the old
/// one, so a reader never sees half a file; two processes tuning at once may each write, and
/// the later keeps its own entries (the other's are measured again next time).
public final class TuningCache: @unchecked Sendable {
    public let url: URL
    private let lock = NSLock()
    private var machines: [String: [String: ConvolutionChoice]] = [:]

    /// The file the cache lives in: `CONVEYOR_TUNING_CACHE`, else `$XDG_CACHE_HOME/conveyor`,
    /// else `~/.cache/conveyor`.
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["CONVEYOR_TUNING_CACHE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("conveyor").appendingPathComponent("tuning.json")
    }

    /// Opens the cache at `url`; a missing file is an empty cache, and so is an unreadable or
    /// damaged one (it is rewritten on the next store, and `damaged` says why it was ignored).
    public init(url: URL = TuningCache.defaultURL()) {
        self.url = url
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size > Self.maximumFileBytes {
            damaged = "\(url.path) is \(size) bytes, more than the \(Self.maximumFileBytes) a tuning cache reaches; "
                + "it is ignored, measured again and rewritten"
            return
        }
        guard let data = try? Data(contentsOf: url) else { return }
        do {
            (machines, damaged) = try Self.decode(data)
            if let reason = damaged { damaged = "\(url.path): \(reason); those entries are measured again" }
        } catch {
            damaged = "\(url.path) could not be read (\(error)); it is measured again and rewritten"
        }
    }

    /// The largest cache file read: an entry is a few hundred bytes, so 16 MiB is tens of
    /// thousands of layer shapes; a larger file is not one Conveyor wrote.
    public static let maximumFileBytes = 16 << 20

    /// Chunk budgets a cached choice may hold; the tuner measures 512 KiB to 64 MiB, and a value
    /// outside this range would size the scratch of every convolution from a damaged file.
    public static let chunkBudgetRange = (1 << 10)...(1 << 30)

    /// The entries of a cache file's `data`, and why some were dropped (a budget out of range, a
    /// time that is not a finite number, a probe batch below 1), or nil when none was.
    public static func decode(_ data: Data) throws -> (machines: [String: [String: ConvolutionChoice]], dropped: String?) {
        var machines = try JSONDecoder().decode(File.self, from: data).machines
        var dropped = 0
        for (machine, layers) in machines {
            let kept = layers.filter { $0.value.isPlausible }
            dropped += layers.count - kept.count
            machines[machine] = kept
        }
        return (machines, dropped == 0 ? nil : "\(dropped) entries hold values no measurement gives")
    }

    /// Why an existing file was ignored, or nil.
    public private(set) var damaged: String?

    public func choice(machine: String, layer: String) -> ConvolutionChoice? {
        lock.withLock { machines[machine]?[layer] }
    }

    /// Every entry, by machine key then layer key.
    public var entries: [String: [String: ConvolutionChoice]] { lock.withLock { machines } }

    /// Records a choice and writes the file (creating its folder).
    public func store(_ choice: ConvolutionChoice, machine: String, layer: String) throws {
        let snapshot: [String: [String: ConvolutionChoice]] = lock.withLock {
            machines[machine, default: [:]][layer] = choice
            return machines
        }
        // Entries another process wrote since this one read the file are kept.
        var merged = (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(File.self, from: $0).machines } ?? [:]
        for (key, layers) in snapshot { merged[key, default: [:]].merge(layers) { $1 } }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(File(version: File.currentVersion, machines: merged))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try data.write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot write \(url.path): \(reason)"])
        }
    }

    /// Deletes the file; returns whether there was one.
    @discardableResult
    public func clear() throws -> Bool {
        lock.withLock { machines = [:] }
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        try FileManager.default.removeItem(at: url)
        return true
    }

    /// The machine part of a key: the device and driver, and for CPU devices (whose speed the
    /// host decides) the CPU model and the number of cores the device runs on; then a hash of
    /// the convolution kernels' sources, since a change to them changes which choice is fastest.
    public static func machineKey(for device: Device, cpuInfo: String? = nil) -> String {
        let kernels = "kernels " + KernelSources.fingerprint(of: convolutionKernelFiles)
        guard device.kind == .cpu, let info = cpuInfo.map(CPUInfo.init) ?? CPUInfo.current() else {
            return "\(device.cacheKey)|\(kernels)"
        }
        let cpu = ["model name", "cpu family", "model", "stepping"].map { info[$0] ?? "?" }.joined(separator: "/")
        return "\(device.cacheKey)|\(cpu)|\(device.computeUnits) cores|\(kernels)"
    }

    /// The kernel files whose speed the tuner measures.
    static let convolutionKernelFiles = ["conv.cl", "gemm.cl", "conv_cpu.cl", "conv_implicit.cl", "conv_channels.cl", "conv_winograd.cl"]

    private struct File: Codable {
        static let currentVersion = 1
        var version: Int
        var machines: [String: [String: ConvolutionChoice]]
    }
}

/// How one convolution shape runs on one machine: the algorithm, the scratch budget of a
/// chunk of images, and what measuring them found.
public struct ConvolutionChoice: Codable, Hashable, Sendable {
    public var algorithm: String
    public var chunkBudgetBytes: Int
    /// Forward + backward of the probe batch with this choice, and with the rules' choice.
    public var milliseconds: Double
    public var ruleMilliseconds: Double
    public var probeBatch: Int

    /// Whether a measurement could have given these values (entries read from a file are checked).
    var isPlausible: Bool {
        TuningCache.chunkBudgetRange.contains(chunkBudgetBytes) && milliseconds.isFinite && milliseconds >= 0
            && ruleMilliseconds.isFinite && ruleMilliseconds >= 0 && probeBatch >= 1
    }

    public init(algorithm: String, chunkBudgetBytes: Int, milliseconds: Double, ruleMilliseconds: Double, probeBatch: Int) {
        self.algorithm = algorithm
        self.chunkBudgetBytes = chunkBudgetBytes
        self.milliseconds = milliseconds
        self.ruleMilliseconds = ruleMilliseconds
        self.probeBatch = probeBatch
    }
}
