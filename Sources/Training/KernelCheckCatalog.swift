import Layers
import OpenCLRuntime

/// What `conveyor check` runs: every kernel variant on a set of shapes that includes the
/// awkward ones (batch 1, odd sizes, stride 2, padding, dilation, groups, channels and filters
/// that are not a multiple of any tile, chunked batches) and the shipped pipelines' largest
/// layers. `quick` keeps one or two shapes per family besides the pipelines' layers.
enum KernelCheckCatalog {
    /// The two rules of `GemmTuning.rule` (GPUs, CPUs), so that a device also checks the other
    /// kind's tiling; the device's own rule is always checked, should it differ from both.
    static let gpuTiling = GemmTuning(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4)
    static let cpuTiling = GemmTuning(tileM: 64, tileN: 64, tileK: 8, workM: 16, workN: 16, vectorColumns: true)

    /// The device's rule first, then the other rules.
    static func tilings(for device: Device) -> [GemmTuning] {
        [GemmTuning.rule(for: device), gpuTiling, cpuTiling].reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// Why `tuning` cannot launch on `device` (work-group or local memory too large), or nil.
    static func refusal(_ tuning: GemmTuning, device: Device) -> String? {
        let items = tuning.local.reduce(1, *)
        if items > device.maxWorkGroupSize {
            return "work-groups of \(items) work-items; the device allows \(device.maxWorkGroupSize)"
        }
        let localBytes = tuning.tileK * (tuning.tileM + tuning.tileN + 2) * MemoryLayout<Float>.size
        if UInt64(localBytes) > device.localMemory {
            return "\(localBytes) bytes of local memory; the device has \(device.localMemory)"
        }
        return nil
    }

    static func cases(device: Device, quick: Bool, pipelineLayers: [KernelCheckLayerShape]) -> [KernelCheckCase] {
        let layers = layerShapes(quick: quick) + pipelineLayers
        // Grouped by family, the check's own shapes before the pipelines' in each.
        let families = ["conv2d", "fc", "maxpool", "avgpool", "global-avgpool", "batchnorm", "activation", "dropout", "whiten", "residual"]
        let layerCases = families.flatMap { family in
            layers.filter { $0.family == family }.flatMap { cases(for: $0, device: device) }
        }
        return layerCases + operationCases(quick: quick)
    }

    /// One case per variant of the layer's family.
    static func cases(for layer: KernelCheckLayerShape, device: Device) -> [KernelCheckCase] {
        func make(_ variant: KernelVariant, refusal: String? = nil,
                  _ build: @escaping (ComputeContext) throws -> Layer) -> KernelCheckCase {
            let shape = layer.label
            let origin = layer.origin
            return KernelCheckCase(variant: variant, shape: shape, origin: origin, refusal: refusal) { context, perturb in
                try KernelCheckLayerRun.run(build(context), batch: layer.batch, mode: layer.mode, context: context,
                                            seed: "\(variant) \(shape) \(origin ?? "")", perturb: perturb)
            }
        }
        switch layer.kind {
        case let .conv(config, _):
            let output = layer.output ?? layer.input
            let tiled = tilings(for: device).map { tuning in
                make(.convolution(.tiledGemm, tuning: tuning), refusal: refusal(tuning, device: device)) {
                    try layer.make(context: $0, algorithm: .tiledGemm, tuning: tuning)
                }
            }
            let cpu = [ConvAlgorithm.cpuPanels, .cpuImplicit, .cpuChannels, .cpuWinograd, .cpuWinograd4].map { algorithm in
                make(.convolution(algorithm, tuning: nil), refusal: algorithm.refusal(input: layer.input, config: config, output: output)) {
                    try layer.make(context: $0, algorithm: algorithm)
                }
            }
            return tiled + cpu
        case .fc:
            return tilings(for: device).map { tuning in
                make(KernelVariant(family: "fc", name: "gemm " + KernelVariant.describe(tuning)), refusal: refusal(tuning, device: device)) {
                    try layer.make(context: $0, tuning: tuning)
                }
            }
        case .maxpool, .avgpool, .globalAvgPool, .batchnorm:
            return KernelStyle.allCases.map { style in
                make(KernelVariant(family: layer.family, name: style.rawValue)) { try layer.make(context: $0, style: style) }
            }
        case let .activation(kind):
            return [make(KernelVariant(family: "activation", name: kind.rawValue)) { try layer.make(context: $0) }]
        case .dropout, .whiten:
            return [make(KernelVariant(family: layer.family)) { try layer.make(context: $0) }]
        case .residual:
            // The sums are the family's own kernels; the convolutions inside run the device's choice.
            return [make(KernelVariant(family: layer.family)) { try layer.make(context: $0) }]
        }
    }

    /// The check's own layer shapes; the first of each family is in the quick set.
    static func layerShapes(quick: Bool) -> [KernelCheckLayerShape] {
        typealias L = KernelCheckLayerShape
        func s(_ c: Int, _ h: Int, _ w: Int) -> Shape { Shape(channels: c, height: h, width: w) }
        let conv: [L] = [
            L(.conv(Conv2DConfig(filters: 32, size: 5, padding: 2), chunkImages: nil), input: s(3, 32, 32), batch: 1),
            L(.conv(Conv2DConfig(filters: 17, size: 3, stride: 2, padding: 1, rounding: .floor), chunkImages: nil), input: s(3, 13, 13), batch: 2),
            L(.conv(Conv2DConfig(filters: 40, size: 3, padding: 1), chunkImages: nil), input: s(13, 16, 16), batch: 2),
            L(.conv(Conv2DConfig(filters: 17, size: 3, padding: 1), chunkImages: nil), input: s(5, 7, 7), batch: 3),
            L(.conv(Conv2DConfig(filters: 24, size: 3, stride: 2, padding: 1, rounding: .floor), chunkImages: nil), input: s(4, 16, 16), batch: 2),
            L(.conv(Conv2DConfig(filters: 8, size: 3, padding: 2, dilation: 2), chunkImages: nil), input: s(3, 16, 16), batch: 2),
            L(.conv(Conv2DConfig(filters: 33, size: 1, bias: false), chunkImages: nil), input: s(6, 4, 4), batch: 5),
            L(.conv(Conv2DConfig(filters: 6, size: 5), chunkImages: nil), input: s(3, 8, 8), batch: 2),
            L(.conv(Conv2DConfig(filters: 6, size: 3, padding: 1, groups: 2), chunkImages: nil), input: s(4, 8, 8), batch: 2),
            L(.conv(Conv2DConfig(filters: 20, size: 3, padding: 1), chunkImages: 2), input: s(3, 8, 8), batch: 5),
        ]
        let fc: [L] = [
            L(.fc(FullyConnectedConfig(outputs: 7)), input: s(3, 5, 5), batch: 1),
            L(.fc(FullyConnectedConfig(outputs: 10, bias: false, scale: 1.0 / 9)), input: s(65, 1, 1), batch: 3),
            L(.fc(FullyConnectedConfig(outputs: 100)), input: s(64, 4, 4), batch: 33),
        ]
        let pools: [L] = [Pool2DConfig(size: 3, stride: 2, rounding: .ceil), Pool2DConfig(size: 2, stride: 2, rounding: .floor),
                          Pool2DConfig(size: 3, stride: 2, padding: 1, rounding: .floor)]
            .enumerated().flatMap { index, config -> [L] in
                let input = [s(3, 13, 13), s(3, 7, 7), s(5, 9, 9)][index], batch = [1, 3, 2][index]
                return [L(.maxpool(config), input: input, batch: batch), L(.avgpool(config), input: input, batch: batch)]
            }
        let global: [L] = [L(.globalAvgPool, input: s(7, 5, 5), batch: 1), L(.globalAvgPool, input: s(65, 8, 8), batch: 3)]
        let norms: [L] = [
            L(.batchnorm(momentum: 0.1, epsilon: 1e-5, affine: true, learnsScale: true, mode: .training), input: s(3, 7, 7), batch: 1),
            L(.batchnorm(momentum: 0.1, epsilon: 1e-5, affine: true, learnsScale: true, mode: .evaluation), input: s(5, 9, 9), batch: 3),
            L(.batchnorm(momentum: 0.4, epsilon: 1e-12, affine: true, learnsScale: false, mode: .training), input: s(13, 8, 8), batch: 3),
            L(.batchnorm(momentum: 0.1, epsilon: 1e-5, affine: false, learnsScale: true, mode: .training), input: s(6, 4, 4), batch: 2),
        ]
        let activations: [L] = ActivationKind.allCases.flatMap { kind in
            [L(.activation(kind), input: s(3, 7, 5), batch: 1), L(.activation(kind), input: s(33, 16, 16), batch: 3)]
        }
        let others: [L] = [
            L(.dropout(0.4), input: s(3, 7, 5), batch: 2),
            L(.whiten(WhiteningConfig(size: 2)), input: s(3, 7, 6), batch: 1),
            L(.whiten(WhiteningConfig(size: 3, same: true)), input: s(3, 7, 6), batch: 3),
            L(.residual(filters: 5, stride: 1, projection: false), input: s(5, 7, 6), batch: 2),
            L(.residual(filters: 8, stride: 2, projection: true), input: s(3, 9, 9), batch: 3),
        ]
        let all = conv + fc + pools + global + norms + activations + others
        guard quick else { return all }
        // Quick: the first shape of each family (activations: of each kind), stride 2 and odd channels for the convolutions.
        var seen: Set<String> = []
        return all.enumerated().filter { index, layer in
            if case .conv = layer.kind { return index < 3 }
            var key = layer.family
            if case let .activation(kind) = layer.kind { key += kind.rawValue }
            return seen.insert(key).inserted
        }.map(\.element)
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
