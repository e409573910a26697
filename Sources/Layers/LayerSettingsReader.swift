/// One model item's settings as a `LayerKind` reads them. The pipeline decoder implements it
/// over YAML, so every error names the file, the line and the key.
public protocol LayerSettingsReader {
    /// Whether `key` is given (and not null).
    func has(_ key: String) -> Bool
    /// An error at `key` (nil, or a key not given: at the layer's item).
    func error(at key: String?, _ message: String) -> Error
    /// An integer, `default` when absent (nil: the key is required), refused outside min...max.
    func int(_ key: String, default value: Int?, min minimum: Int?, max maximum: Int?) throws -> Int
    /// A number when given, refused when it fails `check`.
    func double(_ key: String, _ check: NumberCheck) throws -> Double?
    func bool(_ key: String, default value: Bool) throws -> Bool
    func word<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws -> T where T.RawValue == String
    func string(_ key: String) throws -> String?
    /// A list of layers inside this one (a block's body), their generated names after `prefix`;
    /// nil when absent and not `required`. An empty or null list is refused.
    func layers(_ key: String, prefix: String, required: Bool) throws -> [LayerSpec]?
}

/// The range a number of a layer's settings must be in (the messages name it).
public enum NumberCheck: Sendable {
    case any
    case positive
    case nonNegative
    /// Greater than 0 and at most the bound.
    case positiveAtMost(Double)
    case inRange(Double, Double, lowOpen: Bool, highOpen: Bool)
}
