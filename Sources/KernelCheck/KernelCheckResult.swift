import Layers
/// What `conveyor check` found for one kernel variant on one shape.
public struct KernelCheckResult: Encodable, Sendable {
    public enum Status: String, Codable, Sendable {
        /// Every compared tensor within its tolerance.
        case pass
        /// At least one compared tensor beyond its tolerance.
        case fail
        /// The device's compiler refused the variant's kernels; `detail` holds the log's first lines.
        case buildFailed = "build-failed"
        /// The device ran out of memory for this shape; the other shapes still run.
        case outOfMemory = "out-of-memory"
        /// Anything else that went wrong (an OpenCL error, a refused setting).
        case error
        /// The variant cannot run this shape by design (cpu-implicit needs stride 1, a GEMM
        /// tiling larger than the device's work-groups); not run, not a failure.
        case notApplicable = "not-applicable"
    }

    public let variant: KernelVariant
    /// The shape and settings, e.g. "3x32x32 -> 32x32x32 5x5 p2, batch 1".
    public let shape: String
    /// Where the shape comes from when it is a shipped pipeline's, e.g. "cifar10-fast conv3".
    public let origin: String?
    public let status: Status
    /// Every tensor compared (empty unless the variant ran).
    public let comparisons: [KernelCheckComparison]
    /// Milliseconds of the checked forward and backward pass on the device (0 when it did not run).
    public let milliseconds: Double
    /// Why it did not pass or run: the build log's first lines, the OpenCL error, the refusal.
    public let detail: String?
    /// The shipped pipelines that run this variant on this device.
    public var chosenBy: [String]

    public init(variant: KernelVariant, shape: String, origin: String?, status: Status, comparisons: [KernelCheckComparison] = [],
                milliseconds: Double = 0, detail: String? = nil, chosenBy: [String] = []) {
        self.variant = variant
        self.shape = shape
        self.origin = origin
        self.status = status
        self.comparisons = comparisons
        self.milliseconds = milliseconds
        self.detail = detail
        self.chosenBy = chosenBy
    }

    /// The comparison furthest beyond (or closest to) its tolerance.
    public var worst: KernelCheckComparison? { comparisons.max { $0.ratio < $1.ratio } }

    /// Counts against the exit status: everything but pass and not-applicable.
    public var isFailure: Bool { status != .pass && status != .notApplicable }

    enum CodingKeys: String, CodingKey {
        case variant, family, variantName, shape, origin, status, maxError, tolerance, worst, milliseconds, chosenBy, detail, comparisons
    }

    /// The variant as one string and by parts, and the worst comparison's error and tolerance
    /// beside the full list.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(variant.description, forKey: .variant)
        try container.encode(variant.family, forKey: .family)
        try container.encode(variant.name, forKey: .variantName)
        try container.encode(shape, forKey: .shape)
        try container.encodeIfPresent(origin, forKey: .origin)
        try container.encode(status, forKey: .status)
        if let worst {
            try container.encode(worst.error, forKey: .maxError)
            try container.encode(worst.tolerance, forKey: .tolerance)
            try container.encode(worst.what, forKey: .worst)
        }
        try container.encode(milliseconds, forKey: .milliseconds)
        try container.encode(chosenBy, forKey: .chosenBy)
        try container.encodeIfPresent(detail, forKey: .detail)
        try container.encode(comparisons, forKey: .comparisons)
    }
}
