import Foundation
import Layers
import Model
import OpenCLRuntime
import PipelineConfig

/// A shipped pipeline as `conveyor check` sees it: the variants its network runs on this device
/// (built exactly as `train` builds it), and its largest layer of each family, which the check
/// runs in every variant.
public struct KernelCheckPipeline {
    public let name: String
    public let path: String
    /// In the order the run first uses them: layers, loss, update, lookahead, test-time augmentation.
    public let variants: [KernelVariant]
    let largestLayers: [LayerCheckShape]

    /// Loads and builds `path` on `context`; the largest layers get batch `batch`.
    init(path: String, context: ComputeContext, batch: Int) throws {
        let config = try PipelineConfig.load(path: path)
        let network = try NetworkBuilder.build(config: config, context: context)
        let loss = try LossBuilder.build(settings: config.loss, context: context, classes: network.outputShape.count)
        name = config.name
        self.path = path
        var variants = network.leafLayers.map(KernelVariant.of) + [KernelVariant.of(loss), KernelVariant(family: "sgd")]
        if network.layers.contains(where: { $0 is CompositeLayer }) { variants.append(KernelVariant(family: "residual")) }
        if config.optimizer.lookahead != nil { variants.append(KernelVariant(family: "lookahead")) }
        if config.train.tta != .none { variants.append(KernelVariant(family: "flip")) }
        if config.train.tta == .flipTranslate { variants.append(KernelVariant(family: "shift")) }
        self.variants = variants.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }

        // The largest of each family by forward FLOPs, then by input size (pooling has no FLOPs);
        // a block is checked through the layers inside it and the check's own blocks.
        var largest: [String: (size: (Int, Int), shape: LayerCheckShape)] = [:]
        var families: [String] = []
        for (spec, layer) in zip(config.model.flatMap(\.leaves), network.leafLayers) {
            let shape = LayerCheckShape(spec.kind, input: layer.inputShape, batch: batch, origin: "\(config.name) \(layer.name)")
            let variant = KernelVariant.of(layer)
            let family = variant.family + (variant.family == "activation" ? " " + variant.name : "")
            let size = (layer.forwardFLOPsPerImage, layer.inputShape.count)
            if let current = largest[family], current.size >= size { continue }
            if largest[family] == nil { families.append(family) }
            largest[family] = (size, shape)
        }
        largestLayers = families.compactMap { largest[$0]?.shape }
    }

    /// The shipped pipelines (`*.yaml`) of `folder`, by file name.
    public static func files(in folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { folder.appendingPathComponent($0).path }
    }

    /// Where the shipped pipelines are: `pipelines/` in the working directory (a checkout), beside
    /// the binary (the dist tarball), or in `../share/conveyor/pipelines` from it (`make install`).
    public static func defaultFolder(executable: URL? = Bundle.main.executableURL) -> URL? {
        var candidates = [URL(fileURLWithPath: "pipelines")]
        if let executable = executable?.resolvingSymlinksInPath() {
            let folder = executable.deletingLastPathComponent()
            candidates.append(folder.appendingPathComponent("pipelines"))
            candidates.append(folder.deletingLastPathComponent().appendingPathComponent("share/conveyor/pipelines"))
        }
        return candidates.first { !files(in: $0).isEmpty }
    }
}
