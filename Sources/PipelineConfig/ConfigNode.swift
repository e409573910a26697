import Foundation
import Yams

/// Where values came from, so that an error can name the file line or the `--set` that gave it.
struct ConfigOrigin {
    let file: String
    /// Dotted path (`train.epochs`, `model.0.conv.filters`) -> the `--set` text that set it.
    let overrides: [(path: String, text: String)]

    func error(_ message: String, mark: Mark?, path: String) -> PipelineConfigError {
        if let mark { return PipelineConfigError(file: file, line: mark.line, message: message) }
        // The last `--set` at this path or above it wrote the value (a later one replaces an
        // earlier one), so it is the one to blame; only when none did, one that set a part of it.
        let hit = overrides.last { path == $0.path || path.hasPrefix($0.path + ".") }
            ?? overrides.last { $0.path.hasPrefix(path + ".") }
        return PipelineConfigError(file: file, line: nil, override: hit?.text, message: message)
    }
}

/// One node of the composed YAML tree with its dotted path, read into typed values with errors
/// that name the line.
struct ConfigNode {
    let node: Node
    let path: String
    let origin: ConfigOrigin
    /// Mark of the nearest enclosing node that has one, for nodes that carry none.
    let fallbackMark: Mark?

    var line: Int { node.mark?.line ?? fallbackMark?.line ?? 0 }

    func error(_ message: String) -> PipelineConfigError {
        origin.error(message, mark: node.mark ?? (isFromOverride ? nil : fallbackMark), path: path)
    }

    private var isFromOverride: Bool {
        node.mark == nil && origin.overrides.contains { path == $0.path || path.hasPrefix($0.path + ".") }
    }

    var isNull: Bool {
        if case .scalar(let scalar) = node { return scalar.tag.description == Tag.Name.null.rawValue || node.null != nil }
        return false
    }

    /// What the node is, for "found ..." in messages.
    var found: String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    func typeError(_ expected: String) -> PipelineConfigError {
        error("expected \(expected) for \(path.isEmpty ? "the pipeline file" : path), found \(found)")
    }

    func child(_ node: Node, _ component: String) -> ConfigNode {
        ConfigNode(node: node, path: path.isEmpty ? component : "\(path).\(component)", origin: origin,
                   fallbackMark: self.node.mark ?? fallbackMark)
    }

    // MARK: scalars

    func int() throws -> Int {
        if case .scalar(let scalar) = node, let value = node.int ?? Int(scalar.string) {
            return value
        }
        if case .scalar(let scalar) = node, let number = Double(scalar.string.replacingOccurrences(of: "_", with: "")),
           number == number.rounded(), abs(number) >= 9.2e18 {
            throw error("\(path) is \(scalar.string), a number too large for any setting; see docs/pipelines.md for its range")
        }
        throw typeError("an integer")
    }

    func double() throws -> Double {
        if case .scalar(let scalar) = node {
            if let value = node.float ?? node.int.map(Double.init) ?? Double(scalar.string), value.isFinite { return value }
        }
        throw typeError("a number")
    }

    func bool() throws -> Bool {
        if case .scalar = node, let value = node.bool { return value }
        throw typeError("true or false")
    }

    func string() throws -> String {
        if case .scalar(let scalar) = node, !isNull { return scalar.string }
        throw typeError("a string")
    }

    /// A word from a fixed set, with a suggestion when it is not one of them.
    func word<T: RawRepresentable>(_ type: T.Type, choices: [String]) throws -> T where T.RawValue == String {
        guard case .scalar(let scalar) = node else { throw typeError("one of \(choices.joined(separator: ", "))") }
        if let value = T(rawValue: scalar.string) { return value }
        throw error("unknown value '\(scalar.string)' for \(path) (expected one of \(choices.joined(separator: ", ")))"
            + KeySuggestion.hint(for: scalar.string, in: choices))
    }

    func list() throws -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw typeError("a list") }
        return sequence.enumerated().map { child($0.element, String($0.offset)) }
    }

    // MARK: range checks

    func atLeast<T: Comparable & CustomStringConvertible>(_ value: T, _ minimum: T) throws -> T {
        if value < minimum { throw error("\(path) must be at least \(minimum), found \(value)") }
        return value
    }

    func atMost<T: Comparable & CustomStringConvertible>(_ value: T, _ maximum: T) throws -> T {
        if value > maximum { throw error("\(path) must be at most \(maximum), found \(value)") }
        return value
    }

    /// `value` within `minimum...maximum`, else an error naming the bound it crossed.
    func bounded(_ value: Int, _ minimum: Int, _ maximum: Int) throws -> Int {
        try atMost(try atLeast(value, minimum), maximum)
    }

    /// A duration in epochs (warm-up, step length, milestones): at least 0, at most `PipelineLimits.epochs`.
    func epochs(_ value: Double, positive: Bool = false) throws -> Double {
        let checked = positive ? try self.positive(value) : try nonNegative(value)
        if checked > Double(PipelineLimits.epochs) {
            throw error("\(path) must be at most \(PipelineLimits.epochs) epochs, found \(format(checked))")
        }
        return checked
    }

    func inRange(_ value: Double, _ low: Double, _ high: Double, lowOpen: Bool = false, highOpen: Bool = true) throws -> Double {
        let lowOK = lowOpen ? value > low : value >= low
        let highOK = highOpen ? value < high : value <= high
        if !(lowOK && highOK) {
            let range = "\(lowOpen ? "(" : "[")\(format(low)), \(format(high))\(highOpen ? ")" : "]")"
            throw error("\(path) must be in \(range), found \(format(value))")
        }
        return value
    }

    func positive(_ value: Double) throws -> Double {
        if !(value > 0) { throw error("\(path) must be greater than 0, found \(format(value))") }
        return value
    }

    func nonNegative(_ value: Double) throws -> Double {
        if value < 0 { throw error("\(path) must be at least 0, found \(format(value))") }
        return value
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    // MARK: mappings

    /// The node as a mapping whose keys are all in `allowed`; null reads as an empty mapping.
    func mapping(allowed: [String], what: String? = nil) throws -> ConfigMapping {
        if isNull { return ConfigMapping(owner: self, entries: [:]) }
        guard case .mapping(let mapping) = node else { throw typeError("a mapping") }
        var entries: [String: ConfigNode] = [:]
        for (keyNode, value) in mapping {
            let keyReader = child(keyNode, keyNode.string ?? "?")
            guard let key = keyNode.string else { throw keyReader.error("keys must be words, found \(keyReader.found)") }
            guard allowed.contains(key) else {
                let place = what ?? (path.isEmpty ? "at top level" : "in \(path)")
                let section = path.isEmpty ? [] : path.split(separator: ".").map(String.init)
                let hint = section.first == "model" ? KeySuggestion.hint(for: key, in: allowed)
                    : KeySuggestion.hint(for: key, in: allowed, at: section)
                throw keyReader.error("unknown key '\(key)' \(place)" + hint)
            }
            if entries[key] != nil { throw keyReader.error("key '\(key)' appears twice in \(path.isEmpty ? "the file" : path)") }
            var entry = child(value, key)
            if value.mark == nil, let keyMark = keyNode.mark {
                entry = ConfigNode(node: value, path: entry.path, origin: origin, fallbackMark: keyMark)
            }
            entries[key] = entry
        }
        return ConfigMapping(owner: self, entries: entries)
    }
}

/// A validated mapping: optional keys read with defaults, required keys with a clear error.
struct ConfigMapping {
    let owner: ConfigNode
    let entries: [String: ConfigNode]

    subscript(key: String) -> ConfigNode? {
        guard let entry = entries[key], !entry.isNull else { return nil }
        return entry
    }

    func required(_ key: String) throws -> ConfigNode {
        if let entry = self[key] { return entry }
        let place = owner.path.isEmpty ? "at top level" : "in \(owner.path)"
        throw owner.error("missing required key '\(key)' \(place)")
    }

    func int(_ key: String, default value: Int, min minimum: Int? = nil, max maximum: Int? = nil) throws -> Int {
        guard let entry = self[key] else { return value }
        var read = try entry.int()
        if let minimum { read = try entry.atLeast(read, minimum) }
        if let maximum { read = try entry.atMost(read, maximum) }
        return read
    }

    func double(_ key: String, default value: Double) throws -> Double {
        try self[key]?.double() ?? value
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        try self[key]?.bool() ?? value
    }

    func string(_ key: String, default value: String) throws -> String {
        try self[key]?.string() ?? value
    }

    func word<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws -> T where T.RawValue == String {
        guard let entry = self[key] else { return value }
        return try entry.word(T.self, choices: T.allCases.map(\.rawValue))
    }
}
