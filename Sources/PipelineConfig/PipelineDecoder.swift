import InputData
import Layers
import Optimization
import Yams

/// Reads a validated YAML tree into `PipelineConfig` sections, checking every key, type and range.
enum PipelineDecoder {
    static func decodeRoot(_ root: ConfigNode) throws -> PipelineConfig {
        let top = try root.mapping(allowed: PipelineSchema.root)
        let nameNode = try top.required("name")
        let name = try nameNode.string()
        if name.isEmpty || name.contains("/") {
            throw nameNode.error("name must be a non-empty word without '/', found '\(name)'")
        }
        let device: String? = try top["device"]?.string()
        let data = try decodeData(top["data"])
        let augment = try decodeAugment(top["augment"])
        let model = try decodeModel(try top.required("model"))
        let loss = try decodeLoss(top["loss"])
        let optimizer = try decodeOptimizer(top["optimizer"])
        let schedule = try decodeSchedule(top["schedule"])
        let train = try decodeTrain(top["train"])
        if train.syncBatchnorm, !model.flatMap(\.leaves).contains(where: { $0.kind is BatchNormKind }),
           let node = try top["train"]?.mapping(allowed: PipelineSchema.train)["sync_batchnorm"] {
            throw node.error("train.sync_batchnorm is true but the model has no batchnorm layer; remove sync_batchnorm")
        }
        let checkpoint = try decodeCheckpoint(top["checkpoint"])
        return PipelineConfig(
            name: name, device: device, data: data, augment: augment, model: model, loss: loss,
            optimizer: optimizer, schedule: schedule, train: train, checkpoint: checkpoint,
            sourceText: "", sourcePath: root.origin.file)
    }

    static func decodeData(_ node: ConfigNode?) throws -> DataSettings {
        var data = DataSettings()
        guard let node else { return data }
        let map = try node.mapping(allowed: PipelineSchema.data)
        data.source = try map.word("source", default: data.source)
        data.path = try map.string("path", default: data.path)
        if data.source == .folder {
            data.folder = try FolderSettingsDecoder.decode(map, node: node)
        } else if data.source == .cifar100 {
            if map["path"] == nil { data.path = "data/cifar-100-binary" }
            data.cifar100Labels = try map.word("labels", default: data.cifar100Labels)
            if let train = map["train"], try train.string() != "train" {
                throw train.error("CIFAR-100 trains on train.bin: data.train may only be 'train' (or be left out)")
            }
            if let validation = map.entries["validation"] {
                if validation.isNull {
                    data.cifar100Validation = false
                } else if try validation.string() != "test" {
                    throw validation.error("CIFAR-100 validates on test.bin: data.validation may be 'test' or null (none)")
                }
            }
        } else {
            // Keys of other sources are ignored, as `train` is for synthetic data: `evaluate --data`
            // and `activations --data` switch a stored folder or CIFAR-100 pipeline to CIFAR-10.
            if let train = map["train"] { data.train = try splits(train) }
            if data.train.isEmpty { throw (map["train"] ?? node).error("data.train must name at least one batch") }
            if let validation = map.entries["validation"] { data.validation = validation.isNull ? [] : try splits(validation) }
        }
        data.syntheticTrain = try map.int("synthetic_train", default: data.syntheticTrain, min: 1, max: PipelineLimits.syntheticImages)
        data.syntheticValidation = try map.int("synthetic_validation", default: data.syntheticValidation, min: 0, max: PipelineLimits.syntheticImages)
        data.syntheticSeed = try map.int("synthetic_seed", default: data.syntheticSeed, min: 0)
        data.workers = try map.int("workers", default: data.workers, min: 1, max: PipelineLimits.workers)
        data.prefetch = try map.int("prefetch", default: data.prefetch, min: 1, max: PipelineLimits.prefetch)
        return data
    }

    /// A list of batch numbers 1-5 and/or the word `test`; a single item may stand alone.
    static func splits(_ node: ConfigNode) throws -> CIFAR10Split {
        let items: [ConfigNode]
        if case .sequence = node.node { items = try node.list() } else { items = [node] }
        var result: [CIFAR10Split.Part] = []
        for item in items {
            guard case .scalar(let scalar) = item.node else { throw item.typeError("a batch number 1-5 or 'test'") }
            let split: CIFAR10Split.Part
            if scalar.string == "test" {
                split = .test
            } else if let number = Int(scalar.string) {
                guard (1...5).contains(number) else {
                    throw item.error("CIFAR-10 batch numbers are 1 to 5 (or 'test'), found \(number) in \(node.path)")
                }
                split = .batch(number)
            } else {
                throw item.typeError("a batch number 1-5 or 'test'")
            }
            if result.contains(split) { throw item.error("batch \(split) appears twice in \(node.path)") }
            result.append(split)
        }
        return CIFAR10Split(parts: result)
    }

    static func decodeAugment(_ node: ConfigNode?) throws -> AugmentSettings {
        var augment = AugmentSettings(normalization: .auto)
        guard let node else { return augment }
        let map = try node.mapping(allowed: PipelineSchema.augment)
        augment.translate = try map.int("translate", default: augment.translate, min: 0, max: PipelineLimits.translate)
        augment.translatePadding = try map.word("translate_padding", default: augment.translatePadding)
        if let flip = map["flip"] {
            // true, false, or airbench's alternating flip.
            if case .scalar(let scalar) = flip.node, scalar.string == "alternate" {
                augment.flip = .alternate
            } else if case .scalar = flip.node, let value = flip.node.bool {
                augment.flip = value ? .random : .off
            } else {
                throw flip.typeError("true, false or alternate")
            }
        }
        augment.cutout = try map.int("cutout", default: augment.cutout, min: 0, max: PipelineLimits.cutout)
        if let normalize = map["normalize"] {
            if case .mapping = normalize.node {
                let values = try normalize.mapping(allowed: PipelineSchema.normalize)
                let mean = try triple(try values.required("mean"))
                let stdNode = try values.required("std")
                let std = try triple(stdNode)
                if std.contains(where: { $0 <= 0 }) { throw stdNode.error("\(stdNode.path) must be greater than 0 in every channel") }
                augment.normalization = .meanStd(mean: mean.map(Float.init), std: std.map(Float.init))
            } else {
                switch try normalize.string() {
                case "auto": augment.normalization = .auto
                case "none": augment.normalization = .none
                case let other:
                    throw normalize.error("unknown value '\(other)' for augment.normalize (expected auto, none or {mean: [r, g, b], std: [r, g, b]})")
                }
            }
        }
        return augment
    }

    static func triple(_ node: ConfigNode) throws -> [Double] {
        let items = try node.list()
        guard items.count == 3 else { throw node.error("\(node.path) needs 3 values (r, g, b), found \(items.count)") }
        return try items.map { try $0.double() }
    }

    static func decodeModel(_ node: ConfigNode) throws -> [LayerSpec] {
        var names: [String: Int] = [:]
        return try decodeLayers(node, prefix: "", insideBlock: false, names: &names)
    }

    /// The items of `model`, or of a residual block's body or shortcut: generated names count per
    /// kind within the list and start with `prefix` (the block's name and a dot); `names` holds
    /// every name of the whole model so far with its line, since checkpoints key tensors by it.
    static func decodeLayers(_ node: ConfigNode, prefix: String, insideBlock: Bool,
                             names: inout [String: Int]) throws -> [LayerSpec] {
        let items = try node.list()
        if items.isEmpty {
            throw node.error(insideBlock ? "\(node.path) must list at least one layer" : "model must list at least one layer")
        }
        var counts: [String: Int] = [:]
        var layers: [LayerSpec] = []
        for (index, item) in items.enumerated() {
            let decoded = try decodeLayer(item)
            let kind = decoded.kind
            if type(of: kind).placement == .firstOnly, insideBlock || index > 0 {
                let place = insideBlock ? "inside a residual block (\(node.path))" : "at position \(index + 1), after '\(layers[index - 1].name)'"
                throw item.error("\(kind.word) must be the first layer of the model (its filters are measured from the images' "
                                 + "patches), found it \(place)")
            }
            let repeats = decoded.expansion.repeats
            for copy in 1...repeats {
                // A given name still counts: after `conv: {name: stem}` the next conv is conv2.
                counts[kind.namePrefix, default: 0] += 1
                let name = prefix + (decoded.name.map { repeats > 1 ? "\($0)_\(copy)" : $0 }
                                     ?? "\(kind.namePrefix)\(counts[kind.namePrefix]!)")
                // A block's layers were decoded under a placeholder prefix; each copy gets its own.
                let copyKind = try renamed(kind, to: name, item: item, names: &names)
                try claim(name, line: item.line, node: decoded.nameNode ?? item, names: &names)
                layers.append(LayerSpec(kind: copyKind, name: name, line: item.line, initialization: decoded.initialization))
                if let after = decoded.expansion.followedBy {
                    let afterName = "\(name).\(after.word)"
                    try claim(afterName, line: item.line, node: item, names: &names)
                    layers.append(LayerSpec(kind: after, name: afterName, line: item.line))
                }
            }
        }
        return layers
    }

    /// Records `name` as taken, refusing a second use anywhere in the model.
    static func claim(_ name: String, line: Int, node: ConfigNode, names: inout [String: Int]) throws {
        if let earlier = names[name] {
            let name = name.replacingOccurrences(of: pendingBlock, with: "")
            throw node.error("layer name '\(name)' is used twice (first at line \(earlier)); give one a different name")
        }
        names[name] = line
    }

    /// Placeholder prefix of a block's layers while its own name is not yet known.
    static let pendingBlock = "\u{1}"

    /// `kind` with the placeholder prefix of the names inside it replaced by `name` (nested blocks too).
    static func renamed(_ kind: any LayerKind, to name: String, item: ConfigNode, names: inout [String: Int]) throws -> any LayerKind {
        let lists = kind.sublists
        guard !lists.isEmpty else { return kind }
        func rename(_ spec: LayerSpec) throws -> LayerSpec {
            var spec = spec
            spec.name = spec.name.replacingOccurrences(of: pendingBlock, with: name + ".")
            let inner = spec.kind.sublists
            if !inner.isEmpty { spec.kind = spec.kind.replacingSublists(try inner.map { try $0.map(rename) }) }
            try claim(spec.name, line: spec.line, node: item, names: &names)
            return spec
        }
        return kind.replacingSublists(try lists.map { try $0.map(rename) })
    }

    /// One decoded model item: its kind, given name, `init` and expansion.
    struct DecodedLayer {
        var kind: any LayerKind
        var name: String?
        var nameNode: ConfigNode?
        var initialization: WeightInitialization?
        var expansion: LayerExpansion
    }

    /// One model item: a bare word (`relu`) or a one-key mapping (`conv: {filters: 32, size: 3}`),
    /// read by the registered kind of that word.
    static func decodeLayer(_ item: ConfigNode) throws -> DecodedLayer {
        let word: String
        let settingsNode: ConfigNode?
        switch item.node {
        case .scalar(let scalar):
            word = scalar.string
            settingsNode = nil
        case .mapping(let mapping):
            guard mapping.count == 1, let key = mapping.first?.key.string else {
                throw item.error("each model item is a layer word or a one-key mapping like 'conv: {filters: 32, size: 3}', found \(mapping.count) keys")
            }
            word = key
            if LayerKinds.named(word) != nil {
                settingsNode = try item.mapping(allowed: PipelineSchema.layerKinds).entries[key]
            } else {
                settingsNode = nil
            }
        default:
            throw item.typeError("a layer")
        }
        guard let kindType = LayerKinds.named(word), let keys = PipelineSchema.layerKeys(word) else {
            throw item.error("unknown layer type '\(word)' in model" + KeySuggestion.hint(for: word, in: PipelineSchema.layerKinds))
        }
        // A bare word reads as a layer with all settings at their defaults.
        let settings = settingsNode ?? item.child(Node("null", Tag(.null)), word)
        let map = try settings.mapping(allowed: keys)
        let name: String? = try map["name"]?.string()
        if let name, name.isEmpty || name.contains("/") {
            throw map["name"]!.error("layer names must be non-empty and without '/', found '\(name)'")
        }
        let reader = YAMLLayerSettings(item: item, map: map)
        let kind = try kindType.decode(reader)
        let expansion = try kindType.expansion(reader)
        let initialization = try map["init"].map { try $0.word(WeightInitialization.self, choices: WeightInitialization.allCases.map(\.rawValue)) }
        return DecodedLayer(kind: kind, name: name, nameNode: map["name"], initialization: initialization, expansion: expansion)
    }

    static func decodeLoss(_ node: ConfigNode?) throws -> LossSettings {
        var loss = LossSettings()
        guard let node else { return loss }
        let map = try node.mapping(allowed: PipelineSchema.loss)
        loss.type = try map.word("type", default: loss.type)
        if let s = map["label_smoothing"] { loss.labelSmoothing = try s.inRange(try s.double(), 0, 1) }
        if let m = map["margin"] { loss.margin = try m.positive(try m.double()) }
        return loss
    }

    static func decodeOptimizer(_ node: ConfigNode?) throws -> OptimizerSettings {
        var optimizer = OptimizerSettings()
        guard let node else { return optimizer }
        let map = try node.mapping(allowed: PipelineSchema.optimizer)
        if let lr = map["lr"] { optimizer.lr = try lr.positive(try lr.double()) }
        if let m = map["momentum"] { optimizer.momentum = try m.inRange(try m.double(), 0, 1) }
        optimizer.nesterov = try map.bool("nesterov", default: false)
        if let wd = map["weight_decay"] { optimizer.weightDecay = try wd.nonNegative(try wd.double()) }
        optimizer.decay = try map.word("decay", default: optimizer.decay)
        if let multipliers = map["lr_multipliers"] {
            let values = try multipliers.mapping(allowed: PipelineSchema.lrMultipliers)
            if let b = values["bias"] { optimizer.lrMultipliers.bias = try b.nonNegative(try b.double()) }
            if let n = values["norm"] { optimizer.lrMultipliers.norm = try n.nonNegative(try n.double()) }
        }
        if let multipliers = map["wd_multipliers"] {
            let values = try multipliers.mapping(allowed: PipelineSchema.lrMultipliers)
            if let b = values["bias"] { optimizer.wdMultipliers.bias = try b.nonNegative(try b.double()) }
            if let n = values["norm"] { optimizer.wdMultipliers.norm = try n.nonNegative(try n.double()) }
        }
        if let node = map.entries["lookahead"], !node.isNull {
            let values = try node.mapping(allowed: PipelineSchema.lookahead)
            var lookahead = LookaheadSettings()
            lookahead.every = try values.int("every", default: lookahead.every, min: 1, max: PipelineLimits.batch)
            if let d = values["decay"] { lookahead.decay = try d.inRange(try d.double(), 0, 1, lowOpen: true, highOpen: true) }
            if let p = values["power"] { lookahead.power = try p.nonNegative(try p.double()) }
            optimizer.lookahead = lookahead
        }
        optimizer.decayBiases = try map.bool("decay_biases", default: false)
        return optimizer
    }

    static func decodeSchedule(_ node: ConfigNode?) throws -> ScheduleSettings {
        var schedule = ScheduleSettings()
        guard let node else { return schedule }
        let map = try node.mapping(allowed: PipelineSchema.schedule)
        schedule.type = try map.word("type", default: schedule.type)
        if let w = map["warmup_epochs"] { schedule.warmupEpochs = try w.epochs(try w.double()) }
        if let s = map["step_epochs"] { schedule.stepEpochs = try s.epochs(try s.double(), positive: true) }
        if let g = map["gamma"] { schedule.gamma = try g.positive(try g.double()) }
        if let m = map["min_lr"] { schedule.minLR = try m.nonNegative(try m.double()) }
        if let milestones = map["milestones"] {
            schedule.milestones = try milestones.list().map { try $0.epochs(try $0.double()) }
            if schedule.milestones != schedule.milestones.sorted() {
                throw milestones.error("schedule.milestones must be in ascending order")
            }
        }
        if let points = map["points"] {
            schedule.points = try points.list().map { pair in
                let values = try pair.list()
                guard values.count == 2 else { throw pair.typeError("an [epoch, multiplier] pair") }
                return SchedulePoint(epoch: try values[0].epochs(try values[0].double()),
                                     multiplier: try values[1].nonNegative(try values[1].double()))
            }
            if zip(schedule.points, schedule.points.dropFirst()).contains(where: { $0.epoch > $1.epoch }) {
                throw points.error("schedule.points must be in ascending order of epoch")
            }
        }
        if schedule.type == .piecewise, schedule.points.isEmpty {
            throw (map["points"] ?? node).error("a piecewise schedule needs points: [[epoch, multiplier], ...]")
        }
        return schedule
    }

    static func decodeTrain(_ node: ConfigNode?) throws -> TrainSettings {
        var train = TrainSettings()
        guard let node else { return train }
        let map = try node.mapping(allowed: PipelineSchema.train)
        train.epochs = try map.int("epochs", default: train.epochs, min: 1, max: PipelineLimits.epochs)
        if let batch = map["batch"] {
            if batch.node.string == "auto" {
                train.batch = .auto
            } else if case .scalar(let scalar) = batch.node, let size = batch.node.int ?? Int(scalar.string) {
                train.batch = .fixed(try batch.bounded(size, 1, PipelineLimits.batch))
            } else {
                throw batch.typeError("an integer or 'auto'")
            }
        }
        train.seed = try map.int("seed", default: train.seed, min: 0)
        train.evalInterval = try map.int("eval_interval", default: train.evalInterval, min: 1, max: PipelineLimits.epochs)
        if let reference = map["reference_batch"] { train.referenceBatch = try reference.bounded(try reference.int(), 1, PipelineLimits.batch) }
        train.maxBatch = try map.int("max_batch", default: train.maxBatch, min: 1, max: PipelineLimits.batch)
        if let f = map["memory_fraction"] {
            train.memoryFraction = try f.inRange(try f.double(), 0, 1, lowOpen: true, highOpen: false)
        }
        train.tta = try map.word("tta", default: train.tta)
        train.ttaEveryEpoch = try map.bool("tta_every_epoch", default: train.ttaEveryEpoch)
        train.syncBatchnorm = try map.bool("sync_batchnorm", default: train.syncBatchnorm)
        return train
    }

    static func decodeCheckpoint(_ node: ConfigNode?) throws -> CheckpointSettings {
        var checkpoint = CheckpointSettings()
        guard let node else { return checkpoint }
        let map = try node.mapping(allowed: PipelineSchema.checkpoint)
        checkpoint.folder = try map.string("folder", default: checkpoint.folder)
        checkpoint.interval = try map.int("interval", default: checkpoint.interval, min: 1, max: PipelineLimits.epochs)
        checkpoint.keep = try map.int("keep", default: checkpoint.keep, min: 1, max: PipelineLimits.keep)
        checkpoint.tensorboard = try map.bool("tensorboard", default: checkpoint.tensorboard)
        checkpoint.filterImageInterval = try map.int("filter_image_interval", default: checkpoint.filterImageInterval,
                                                     min: 0, max: PipelineLimits.epochs)
        return checkpoint
    }
}
