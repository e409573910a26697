import Layers
import Yams

/// One model item's settings mapping as the layer kinds read it: every value checked with the
/// file, line and key in its error, as the rest of the pipeline file is.
struct YAMLLayerSettings: LayerSettingsReader {
    /// The model item (errors about the item as a whole point here).
    let item: ConfigNode
    let map: ConfigMapping

    func has(_ key: String) -> Bool { map[key] != nil }

    func error(at key: String?, _ message: String) -> Error {
        (key.flatMap { map[$0] } ?? item).error(message)
    }

    func int(_ key: String, default value: Int?, min minimum: Int?, max maximum: Int?) throws -> Int {
        guard let value else {
            let node = try map.required(key)
            var read = try node.int()
            if let minimum { read = try node.atLeast(read, minimum) }
            if let maximum { read = try node.atMost(read, maximum) }
            return read
        }
        return try map.int(key, default: value, min: minimum, max: maximum)
    }

    func double(_ key: String, _ check: NumberCheck) throws -> Double? {
        guard let node = map[key] else { return nil }
        let value = try node.double()
        switch check {
        case .any: return value
        case .positive: return try node.positive(value)
        case .nonNegative: return try node.nonNegative(value)
        case let .positiveAtMost(bound): return try node.atMost(try node.positive(value), bound)
        case let .inRange(low, high, lowOpen, highOpen): return try node.inRange(value, low, high, lowOpen: lowOpen, highOpen: highOpen)
        }
    }

    func bool(_ key: String, default value: Bool) throws -> Bool { try map.bool(key, default: value) }

    func word<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws -> T where T.RawValue == String {
        try map.word(key, default: value)
    }

    func string(_ key: String) throws -> String? { try map[key]?.string() }

    /// The list's layers are named under the decoder's placeholder prefix until the item's own
    /// name is known (`PipelineDecoder.renamed`); names are checked for clashes then.
    func layers(_ key: String, prefix: String, required: Bool) throws -> [LayerSpec]? {
        guard let node = map.entries[key] else {
            if required { _ = try map.required(key) }
            return nil
        }
        if node.isNull {
            guard required else { return nil }
            throw node.error("\(node.path) is empty; list the block's layers, e.g. \(key): [conv: {filters: 64, size: 3, padding: 1}, batchnorm]")
        }
        var scratch: [String: Int] = [:]
        return try PipelineDecoder.decodeLayers(node, prefix: PipelineDecoder.pendingBlock + prefix, insideBlock: true, names: &scratch)
    }
}
