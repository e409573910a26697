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

    static let layerKinds = ["conv", "relu", "gelu", "maxpool", "avgpool", "global_avgpool", "batchnorm", "dropout", "fc", "whiten", "residual"]

    /// The settings keys of one layer kind (every layer may also carry a `name`).
    static func layerKeys(_ kind: String) -> [String]? {
        switch kind {
        case "conv": return ["filters", "size", "stride", "padding", "dilation", "groups", "bias", "rounding", "init", "name"]
        case "maxpool", "avgpool": return ["size", "stride", "padding", "rounding", "name"]
        case "batchnorm": return ["momentum", "epsilon", "affine", "scale", "name"]
        case "dropout": return ["p", "name"]
        case "fc": return ["outputs", "bias", "scale", "init", "name"]
        case "whiten": return ["size", "epsilon", "bias_epochs", "same", "name"]
        case "relu", "gelu", "global_avgpool": return ["name"]
        case "residual": return ["body", "shortcut", "repeat", "activation", "name"]
        default: return nil
        }
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

    /// The keys at `path` inside one model item: the kinds, a kind's keys, and inside a residual
    /// block's body or shortcut the same again for each of their items.
    static func keys(inLayer path: ArraySlice<String>) -> [String]? {
        guard let kind = path.first else { return layerKinds }
        let rest = path.dropFirst()
        guard let key = rest.first else { return layerKeys(kind) }
        guard kind == "residual", key == "body" || key == "shortcut", let index = rest.dropFirst().first, Int(index) != nil else {
            return nil
        }
        return keys(inLayer: rest.dropFirst(2))
    }
}
