import ImageFiles
import InputData

/// The `data` keys of an image folder (`source: folder`): either `path` with a held-out
/// `validation_fraction`, or `train` and `validation` folders; `image_size` is required.
enum FolderSettingsDecoder {
    static func decode(_ map: ConfigMapping, node: ConfigNode) throws -> FolderSettings {
        var folder = FolderSettings()
        let sizeNode = try map.required("image_size")
        folder.imageSize = try imageSize(sizeNode)
        folder.resize = try map.word("resize", default: folder.resize)
        folder.onBadImage = try map.word("on_bad_image", default: folder.onBadImage)
        folder.minimumSide = try map.int("min_image_side", default: folder.minimumSide, min: 1, max: 1 << 16)
        folder.splitSeed = try map.int("split_seed", default: folder.splitSeed, min: 0)
        folder.cache = try map["cache"]?.string()
        if let train = map["train"] {
            if map["path"] != nil {
                throw train.error("data.train names a folder, so data.path is not used; give either data.path (one folder, with "
                                  + "data.validation_fraction held out) or data.train and data.validation (two folders)")
            }
            if let fraction = map["validation_fraction"] {
                throw fraction.error("data.validation_fraction holds out images of data.path; with data.train, give the "
                                     + "validation images as a folder in data.validation instead")
            }
            folder.trainFolder = try train.string()
            folder.validationFolder = try map["validation"]?.string()
        } else {
            _ = try map.required("path")
            if let validation = map["validation"] {
                throw validation.error("data.validation is a folder that goes with data.train; with data.path, hold out "
                                       + "images with data.validation_fraction (e.g. 0.2) instead")
            }
            if let fraction = map["validation_fraction"] {
                let value = try fraction.double()
                guard value >= 0, value < 1 else {
                    throw fraction.error("data.validation_fraction must be at least 0 and below 1, found \(value)")
                }
                folder.validationFraction = value
            }
        }
        return folder
    }

    /// `[H, W]`, or one number for a square.
    static func imageSize(_ node: ConfigNode) throws -> ImageSize {
        let items: [ConfigNode]
        if case .sequence = node.node { items = try node.list() } else { items = [node, node] }
        guard items.count == 2 else { throw node.typeError("[height, width] in pixels, e.g. [64, 64]") }
        let height = try items[0].atMost(items[0].atLeast(items[0].int(), 1), 4096)
        let width = try items[1].atMost(items[1].atLeast(items[1].int(), 1), 4096)
        return ImageSize(height: height, width: width)
    }
}
