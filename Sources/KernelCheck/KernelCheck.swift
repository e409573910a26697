import Foundation
import Layers
import OpenCLRuntime

/// `conveyor check`: every kernel variant the device can build, forward and backward on random
/// data over a set of shapes (`KernelCheckCatalog`), against the CPU references of
/// `Layers/Reference` with the tolerances of the parity tests (`Parity`).
///
/// A variant whose kernels do not build, a shape the device has no memory for and any other
/// OpenCL error are reported on that line; the remaining lines still run (on a fresh context
/// after an error that may have left the old one unusable).
public final class KernelCheck {
    public struct Options {
        /// One or two shapes per family besides the pipelines' layers, and fewer updates and copies.
        public var quick = false
        /// Pipeline files whose networks are built to mark the variants they choose, and whose
        /// largest layers are checked.
        public var pipelineFiles: [String] = []
        /// The batch of the pipelines' largest layers (default 2 with `quick`, else 16).
        public var pipelineBatch: Int?
        /// Run only the lines whose variant and shape contain one of these comma-separated texts
        /// (case-insensitive).
        public var only: String?
        public var fault = KernelCheckFault()

        public init() {}
    }

    public private(set) var context: ComputeContext
    public let options: Options

    public init(context: ComputeContext, options: Options) {
        self.context = context
        self.options = options
    }

    /// Runs every line, handing each result to `progress` as soon as it is known; throws when
    /// `--only` selects no line.
    public func run(progress: (KernelCheckResult) -> Void = { _ in }) throws -> KernelCheckReport {
        var results: [KernelCheckResult] = []
        var pipelines: [KernelCheckPipeline] = []
        let batch = options.pipelineBatch ?? (options.quick ? 2 : 16)
        for path in options.pipelineFiles {
            do {
                pipelines.append(try KernelCheckPipeline(path: path, context: context, batch: batch))
            } catch {
                // A pipeline whose network does not build here is a result of its own.
                let (status, detail) = classify(error)
                let result = KernelCheckResult(variant: KernelVariant(family: "pipeline", name: URL(fileURLWithPath: path).lastPathComponent),
                                               shape: "its network", origin: nil, status: status, detail: detail)
                results.append(result)
                progress(result)
            }
        }
        var chosen: [KernelVariant: [String]] = [:]
        for pipeline in pipelines {
            for variant in pipeline.variants { chosen[variant, default: []].append(pipeline.name) }
        }
        let cases = try KernelCheckSelection(options.only).select(
            KernelCheckCatalog.cases(device: context.device, quick: options.quick, pipelineLayers: pipelines.flatMap(\.largestLayers)))
        for item in cases {
            var result = run(item)
            result.chosenBy = chosen[item.variant] ?? []
            results.append(result)
            progress(result)
        }
        return KernelCheckReport(device: context.device, quick: options.quick, pipelines: pipelines, results: results)
    }

    private func run(_ item: KernelCheckCase) -> KernelCheckResult {
        if let refusal = item.refusal {
            return KernelCheckResult(variant: item.variant, shape: item.shape, origin: item.origin, status: .notApplicable, detail: refusal)
        }
        do {
            try options.fault.inject(into: item.key, context: context)
            let outcome = try item.run(context, options.fault.applies(.perturb, to: item.key))
            let passed = outcome.comparisons.allSatisfy(\.passed)
            return KernelCheckResult(variant: item.variant, shape: item.shape, origin: item.origin, status: passed ? .pass : .fail,
                                     comparisons: outcome.comparisons, milliseconds: outcome.milliseconds)
        } catch {
            let (status, detail) = classify(error)
            if status != .buildFailed, error is CLError {
                // After running out of memory (or a failed launch) some drivers leave the context
                // unusable: the next lines get a fresh one.
                try? context.finish()
                if let fresh = try? ComputeContext(device: context.device) { context = fresh }
            }
            return KernelCheckResult(variant: item.variant, shape: item.shape, origin: item.origin, status: status, detail: detail)
        }
    }

    /// Lines of a build log that `check` prints.
    static let buildLogLines = 6

    /// The status an error gives a line, and what to print about it: for a build failure the
    /// error's first line and the compiler log's first lines.
    func classify(_ error: Error) -> (KernelCheckResult.Status, String) {
        guard let error = error as? CLError else { return (.error, "\(error)") }
        if error.isOutOfMemory { return (.outOfMemory, error.description) }
        if error.call == "clBuildProgram" || error.name == "CL_BUILD_PROGRAM_FAILURE" {
            let lines = error.description.split(separator: "\n", omittingEmptySubsequences: true)
            return (.buildFailed, lines.prefix(1 + Self.buildLogLines).joined(separator: "\n"))
        }
        return (.error, error.description)
    }
}
