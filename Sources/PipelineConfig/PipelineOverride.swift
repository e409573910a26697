import Yams

/// One `--set key.path=value` from the command line, applied to the YAML tree before validation.
struct PipelineOverride {
    /// The text as given, for error messages.
    let text: String
    /// Dotted path components: `["train", "epochs"]`, `["model", "0", "conv", "filters"]`.
    let components: [String]
    /// The value parsed as YAML (scalar or flow collection), without marks: it has no file line.
    let value: Node

    init(_ text: String, file: String) throws {
        self.text = text
        guard let equals = text.firstIndex(of: "=") else {
            throw PipelineConfigError(file: file, line: nil, override: text, message: "expected key.path=value")
        }
        let path = text[..<equals].trimmingCharacters(in: .whitespaces)
        components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if path.isEmpty || components.contains(where: \.isEmpty) {
            throw PipelineConfigError(file: file, line: nil, override: text, message: "expected key.path=value")
        }
        let valueText = String(text[text.index(after: equals)...])
        do {
            value = Self.withoutMarks(try Yams.compose(yaml: valueText) ?? Node("null", Tag(.null)))
        } catch {
            throw PipelineConfigError(file: file, line: nil, override: text, message: "the value is not valid YAML: \(error)")
        }
    }

    var path: String { components.joined(separator: ".") }

    /// Marks are dropped so that errors about this value point at the `--set`, not at line 1.
    static func withoutMarks(_ node: Node) -> Node {
        switch node {
        case .scalar(var scalar):
            scalar.mark = nil
            return .scalar(scalar)
        case .mapping(let mapping):
            return Node(mapping.map { (withoutMarks($0.key), withoutMarks($0.value)) }, mapping.tag, mapping.style)
        case .sequence(let sequence):
            return Node(sequence.map(withoutMarks), sequence.tag, sequence.style)
        }
    }

    /// The tree with this value put at the path; keys are checked against the schema on the way.
    func apply(to root: Node, file: String) throws -> Node {
        try set(in: root, at: components[...], schemaPath: [], file: file)
    }

    private func fail(_ message: String, file: String) -> PipelineConfigError {
        PipelineConfigError(file: file, line: nil, override: text, message: message)
    }

    private func set(in node: Node, at rest: ArraySlice<String>, schemaPath: [String], file: String) throws -> Node {
        guard let key = rest.first else { return value }
        let place = schemaPath.isEmpty ? "at top level" : "in \(schemaPath.joined(separator: "."))"
        if case .sequence(let sequence) = node {
            guard let index = Int(key), sequence.indices.contains(index) else {
                throw fail("no item '\(key)' \(place): it has items 0 to \(sequence.count - 1)", file: file)
            }
            var items = Array(sequence)
            items[index] = try set(in: items[index], at: rest.dropFirst(), schemaPath: schemaPath + [key], file: file)
            return .sequence(Node.Sequence(items, sequence.tag, sequence.style, sequence.mark))
        }
        if let allowed = PipelineSchema.keys(at: schemaPath), !allowed.contains(key) {
            let what = schemaPath.count == 2 && schemaPath[0] == "model" ? "unknown layer type" : "unknown key"
            let hint = schemaPath.first == "model" ? KeySuggestion.hint(for: key, in: allowed)
                : KeySuggestion.hint(for: key, in: allowed, at: schemaPath)
            throw fail("\(what) '\(key)' \(place)" + hint, file: file)
        }
        var pairs: [(Node, Node)]
        var tag = Tag(.map)
        var style = Node.Mapping.Style.block
        // Rebuilt collections keep their mark, so layers keep their file line.
        var mark = node.mark
        switch node {
        case .mapping(let mapping):
            pairs = mapping.map { ($0.key, $0.value) }
            tag = mapping.tag
            style = mapping.style
        case .scalar(let scalar) where scalar.tag.description == Tag.Name.null.rawValue || node.null != nil:
            pairs = []
            mark = nil
        case .scalar(let scalar) where schemaPath.count == 2 && schemaPath[0] == "model":
            // A bare layer word such as `maxpool` becomes `maxpool: {}` to take settings.
            guard scalar.string == key else {
                throw fail("model.\(schemaPath[1]) is a '\(scalar.string)' layer, not '\(key)'", file: file)
            }
            pairs = [(Node(key), Node("null", Tag(.null)))]
            mark = scalar.mark
        default:
            throw fail("\(schemaPath.joined(separator: ".")) is a single value, it has no key '\(key)'", file: file)
        }
        if schemaPath.count == 2, schemaPath[0] == "model", let existing = pairs.first?.0.string, existing != key {
            throw fail("model.\(schemaPath[1]) is a '\(existing)' layer, not '\(key)'", file: file)
        }
        if let index = pairs.firstIndex(where: { $0.0.string == key }) {
            pairs[index].1 = try set(in: pairs[index].1, at: rest.dropFirst(), schemaPath: schemaPath + [key], file: file)
        } else {
            let empty = Node("null", Tag(.null))
            pairs.append((Node(key), try set(in: empty, at: rest.dropFirst(), schemaPath: schemaPath + [key], file: file)))
        }
        return .mapping(Node.Mapping(pairs, tag, style, mark))
    }
}
