import Layers
import OpenCLRuntime

/// What `conveyor check` runs: every kernel variant on a set of shapes that includes the
/// awkward ones (batch 1, odd sizes, stride 2, padding, dilation, groups, channels and filters
/// that are not a multiple of any tile, chunked batches) and the shipped pipelines' largest
/// layers. `quick` keeps one or two shapes per family besides the pipelines' layers.
enum KernelCheckCatalog {
    static func cases(device: Device, quick: Bool, pipelineLayers: [LayerCheckShape]) -> [KernelCheckCase] {
        // Grouped by kind in the order of `LayerKinds`, the check's own shapes before the pipelines' in each.
        let layerCases = LayerKinds.registered.flatMap { kind -> [KernelCheckCase] in
            let own = kind.checkShapes.filter { !quick || $0.quick }
            let fromPipelines = pipelineLayers.filter { ObjectIdentifier(type(of: $0.kind)) == ObjectIdentifier(kind) }
            return (own + fromPipelines).flatMap { cases(for: $0, device: device) }
        }
        return layerCases + operationCases(quick: quick)
    }

    /// One case per variant the layer's kind offers on `device`, each built the way training
    /// builds layers (`LayerBuild`) with the variant's choices forced.
    static func cases(for layer: LayerCheckShape, device: Device) -> [KernelCheckCase] {
        layer.kind.checkVariants(input: layer.input, device: device).map { choice in
            let (shape, origin) = (layer.label, layer.origin)
            return KernelCheckCase(variant: choice.variant, shape: shape, origin: origin, refusal: choice.refusal) { context, perturb in
                let build = LayerBuild(name: "check", input: layer.input, context: context, algorithm: choice.algorithm,
                                       gemmTuning: choice.gemmTuning, style: choice.style, chunkImages: layer.chunkImages)
                return try KernelCheckLayerRun.run(layer.kind.makeLayer(build), batch: layer.batch, mode: layer.mode, context: context,
                                                   seed: "\(choice.variant) \(shape) \(origin ?? "")", perturb: perturb)
            }
        }
    }

    /// The losses, the SGD update, the lookahead sync, the flip and the shift.
    static func operationCases(quick: Bool) -> [KernelCheckCase] {
        var cases: [KernelCheckCase] = []
        func add(_ variant: KernelVariant, _ shape: String, inQuick: Bool,
                 _ run: @escaping (ComputeContext, String, Bool) throws -> KernelCheckLayerRun.Outcome) {
            guard inQuick || !quick else { return }
            let seed = "\(variant) \(shape)"
            cases.append(KernelCheckCase(variant: variant, shape: shape, origin: nil, refusal: nil) { try run($0, seed, $1) })
        }
        let softmax = KernelVariant(family: "loss", name: "softmax-cross-entropy")
        let svm = KernelVariant(family: "loss", name: "multiclass-svm")
        for (classes, batch, smoothing, inQuick) in [(10, 1, Float(0), true), (7, 33, 0.2, false), (10, 1024, 0.2, false)] {
            add(softmax, "\(classes) classes, label smoothing \(smoothing), batch \(batch)", inQuick: inQuick) { context, seed, perturb in
                try KernelCheckOperations.loss(SoftmaxCrossEntropy(context: context, classes: classes, labelSmoothing: smoothing),
                                               batch: batch, context: context, seed: seed, perturb: perturb)
            }
        }
        for (classes, batch, margin, inQuick) in [(10, 1, Float(1), true), (7, 33, 0.5, false)] {
            add(svm, "\(classes) classes, margin \(margin), batch \(batch)", inQuick: inQuick) { context, seed, perturb in
                try KernelCheckOperations.loss(MulticlassSVM(context: context, classes: classes, margin: margin),
                                               batch: batch, context: context, seed: seed, perturb: perturb)
            }
        }
        let updates: [(String, SGDSettings, Int, Bool)] = [
            ("momentum 0.9", SGDSettings(stepSize: 0.05, momentum: 0.9), 1, true),
            ("nesterov, weight decay 5e-4", SGDSettings(stepSize: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4), 4099, true),
            ("decoupled weight decay 0.1", SGDSettings(stepSize: 0.1, momentum: 0.85, weightDecay: 0.1, decoupledWeightDecay: true), 1000, false),
            ("no momentum", SGDSettings(stepSize: 0.5), 129, false),
        ]
        for (label, settings, count, inQuick) in updates {
            add(KernelVariant(family: "sgd"), "\(count) values, \(label), 3 steps", inQuick: inQuick) { context, seed, perturb in
                try KernelCheckOperations.sgd(count: count, settings: settings, steps: 3, context: context, seed: seed, perturb: perturb)
            }
        }
        for (count, inQuick) in [(1, true), (1001, false)] {
            add(KernelVariant(family: "lookahead"), "\(count) values, decay 0.2", inQuick: inQuick) { context, seed, perturb in
                try KernelCheckOperations.lookahead(count: count, decay: 0.2, context: context, seed: seed, perturb: perturb)
            }
        }
        let images: [(Shape, Int, Bool)] = [(Shape(channels: 3, height: 7, width: 5), 1, true), (Shape(channels: 3, height: 32, width: 32), 4, false)]
        for (shape, batch, inQuick) in images {
            add(KernelVariant(family: "flip"), "\(shape), batch \(batch)", inQuick: inQuick) { context, seed, perturb in
                try KernelCheckOperations.image(shape: shape, batch: batch, shift: nil, context: context, seed: seed, perturb: perturb)
            }
        }
        let shifts: [(Shape, Int, (Int, Int, Bool), Bool)] = [
            (Shape(channels: 3, height: 7, width: 5), 2, (1, 1, false), true),
            (Shape(channels: 3, height: 7, width: 5), 2, (-1, -1, true), false),
            (Shape(channels: 2, height: 3, width: 3), 1, (2, -3, true), false),
            (Shape(channels: 3, height: 32, width: 32), 3, (-1, 1, true), false),
        ]
        for (shape, batch, shift, inQuick) in shifts {
            add(KernelVariant(family: "shift"), "\(shape) by (\(shift.0), \(shift.1))\(shift.2 ? " mirrored" : ""), batch \(batch)",
                inQuick: inQuick) { context, seed, perturb in
                try KernelCheckOperations.image(shape: shape, batch: batch, shift: (shift.0, shift.1, shift.2), context: context, seed: seed,
                                                perturb: perturb)
            }
        }
        return cases
    }
}
