import Layers

/// The keys each mapping of a pipeline file may hold; the decoder and `--set` both check against it.
enum PipelineSchema {
    static let root = ["name", "device", "data", "augment", "model", "loss", "optimizer", "schedule", "train", "checkpoint"]
    static let data = ["source", "path", "train", "validation", "synthetic_train", "synthetic_validation",
                       "synthetic_seed", "workers", "prefetch", "image_size", "resize", "validation_fraction", "split_seed",
                       "on_bad_image", "min_image_side", "cache", "labels"]
    static let augment = ["translate", "translate_padding", "flip", "cutout", "normalize"]
    static let normalize = ["mean", "std"]
    static let loss = ["type", "label_smoothing", "margin"]
    static let optimizer = ["lr", "momentum", "nesterov", "weight_decay", "decay", "lr_multipliers", "wd_multipliers",
                            "decay_biases", "lookahead"]
    static let lrMultipliers = ["bias", "norm"]
    static let lookahead = ["every", "decay", "power"]
    static let schedule = ["type", "warmup_epochs", "step_epochs", "gamma", "milestones", "min_lr", "points"]
    static let train = ["epochs", "batch", "seed", "eval_interval", "reference_batch", "max_batch", "memory_fraction", "tta",
                        "tta_every_epoch", "sync_batchnorm"]
    static let checkpoint = ["folder", "interval", "keep", "tensorboard", "filter_image_interval"]

    /// Every mapping of the schema outside `model`, with its keys, for hints that name a key's section.
    static let sectionPaths: [(path: [String], keys: [String])] = [
        ([], root), (["data"], data), (["augment"], augment), (["augment", "normalize"], normalize), (["loss"], loss),
        (["optimizer"], optimizer), (["optimizer", "lr_multipliers"], lrMultipliers),
        (["optimizer", "wd_multipliers"], lrMultipliers), (["optimizer", "lookahead"], lookahead), (["schedule"], schedule),
        (["train"], train), (["checkpoint"], checkpoint),
    ]

    /// The layer words, from the registered kinds.
    static var layerKinds: [String] { LayerKinds.words }

    /// The settings keys of one layer kind (every layer may also carry a `name`), nil for a word
    /// no registered kind claims.
    static func layerKeys(_ word: String) -> [String]? {
        LayerKinds.named(word).map { $0.keys + ["name"] }
    }

    /// The keys allowed in the mapping at `path` (indices inside `model` included), or nil when
    /// the path names no mapping of the schema.
    static func keys(at path: [String]) -> [String]? {
        switch path.count {
        case 0: return root
        case 1:
            switch path[0] {
            case "data": return data
            case "augment": return augment
            case "loss": return loss
            case "optimizer": return optimizer
            case "schedule": return schedule
            case "train": return train
            case "checkpoint": return checkpoint
            default: return nil
            }
        case 2:
            if path == ["augment", "normalize"] { return normalize }
            if path == ["optimizer", "lr_multipliers"] || path == ["optimizer", "wd_multipliers"] { return lrMultipliers }
            if path == ["optimizer", "lookahead"] { return lookahead }
            if path[0] == "model", Int(path[1]) != nil { return layerKinds }
            return nil
        default:
            if path[0] == "model", Int(path[1]) != nil { return keys(inLayer: path.dropFirst(2)) }
            return nil
        }
    }

    /// The keys at `path` inside one model item: the kinds, a kind's keys, and inside a kind's
    /// lists of layers (a residual block's body or shortcut) the same again for each of their items.
    static func keys(inLayer path: ArraySlice<String>) -> [String]? {
        guard let kind = path.first else { return layerKinds }
        let rest = path.dropFirst()
        guard let key = rest.first else { return layerKeys(kind) }
        guard let kindType = LayerKinds.named(kind), kindType.listKeys.contains(key), let index = rest.dropFirst().first, Int(index) != nil else {
            return nil
        }
        return keys(inLayer: rest.dropFirst(2))
    }
}
