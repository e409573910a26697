/// `conveyor check --only TEXT[,TEXT...]`: the lines whose variant or shape contains one of the
/// texts (case-insensitive). A selection that matches no line is an error rather than an empty
/// run, which would otherwise read "all checks passed" and exit 0 having checked nothing.
struct KernelCheckSelection {
    /// Lower-cased texts; nil selects every line.
    let words: [String]?
    let text: String?

    init(_ only: String?) throws {
        text = only
        guard let only else {
            words = nil
            return
        }
        let words = only.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        // An empty text would match every line, which is not what a user who typed --only meant.
        if words.isEmpty {
            throw KernelCheckError("--only '\(only)' names nothing to match; give a variant or shape text, e.g. --only conv2d")
        }
        self.words = words
    }

    func matches(_ key: String) -> Bool {
        guard let words else { return true }
        let key = key.lowercased()
        return words.contains { key.contains($0) }
    }

    /// The cases selected; an error listing the variants that can be matched when there is none.
    func select(_ cases: [KernelCheckCase]) throws -> [KernelCheckCase] {
        let selected = cases.filter { matches($0.key) }
        if let text, selected.isEmpty {
            var variants: [String] = []
            for item in cases where !variants.contains(item.variant.description) { variants.append(item.variant.description) }
            throw KernelCheckError("--only '\(text)' matches no line of this check; nothing was run. A line is selected when "
                + "its variant or shape contains the text, e.g. a family or a variant of this device: "
                + variants.joined(separator: ", "))
        }
        return selected
    }
}
