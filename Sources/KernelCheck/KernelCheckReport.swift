import OpenCLRuntime

/// Everything `conveyor check` found on one device (`--json` prints it).
public struct KernelCheckReport: Encodable {
    /// A shipped pipeline and the variants it runs on this device.
    public struct Pipeline: Encodable {
        public let name: String
        public let path: String
        public let variants: [String]
    }

    /// How many lines ended how.
    public struct Summary: Encodable {
        public var lines = 0
        public var passed = 0
        public var failed = 0
        public var buildFailed = 0
        public var outOfMemory = 0
        public var errors = 0
        public var notApplicable = 0
        /// Distinct variants that ran at least one shape.
        public var variants = 0
    }

    public let device: String
    public let deviceType: String
    public let platform: String
    public let driver: String
    public let quick: Bool
    public let pipelines: [Pipeline]
    public let results: [KernelCheckResult]
    public let summary: Summary
    /// True when no line failed (not-applicable lines do not count): the exit status is 0.
    public let allPassed: Bool

    init(device: Device, quick: Bool, pipelines: [KernelCheckPipeline], results: [KernelCheckResult]) {
        self.device = device.name
        deviceType = device.kind.rawValue
        platform = device.platformName
        driver = device.driverVersion
        self.quick = quick
        self.pipelines = pipelines.map { Pipeline(name: $0.name, path: $0.path, variants: $0.variants.map(\.description)) }
        self.results = results
        var summary = Summary()
        for result in results {
            summary.lines += 1
            switch result.status {
            case .pass: summary.passed += 1
            case .fail: summary.failed += 1
            case .buildFailed: summary.buildFailed += 1
            case .outOfMemory: summary.outOfMemory += 1
            case .error: summary.errors += 1
            case .notApplicable: summary.notApplicable += 1
            }
        }
        summary.variants = Set(results.filter { $0.status != .notApplicable }.map(\.variant)).count
        self.summary = summary
        allPassed = !results.contains(where: \.isFailure)
    }
}
