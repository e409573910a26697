/// Finds the valid key a user most likely meant, for "did you mean" hints.
enum KeySuggestion {
    /// The candidate nearest to `key`, or nil when none is close enough to be a useful hint.
    ///
    /// Initials count as a match (`learning_rate` -> `lr`), as does containment
    /// (`batch_size` -> `batch`); otherwise the smallest edit distance wins if it is at most
    /// about a third of the longer word (at least 2).
    static func nearest(to key: String, in candidates: [String]) -> String? {
        let lowered = key.lowercased()
        let initials = String(lowered.split(separator: "_").compactMap(\.first))
        if initials.count > 1, let hit = candidates.first(where: { $0 == initials }) { return hit }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate)
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        if let best, best.distance <= max(2, max(key.count, best.candidate.count) / 3) {
            return best.candidate
        }
        let containing = candidates.filter { lowered.contains($0) || $0.contains(lowered) }
        return containing.max(by: { $0.count < $1.count })
    }

    /// Levenshtein distance: insertions, deletions and substitutions each cost one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// `"; did you mean 'x'?"` or an empty string.
    static func hint(for key: String, in candidates: [String]) -> String {
        guard let match = nearest(to: key, in: candidates) else { return "" }
        return "; did you mean '\(match)'?"
    }

    /// Like `hint(for:in:)`, but when `key` is not near any of `candidates` and is a key of
    /// another section (`epochs` at top level, `lr` in train), names that key's full path.
    static func hint(for key: String, in candidates: [String], at path: [String]) -> String {
        let elsewhere = PipelineSchema.sectionPaths.filter { $0.path != path && $0.keys.contains(key) }
            .map { ($0.path + [key]).joined(separator: ".") }
        if !elsewhere.isEmpty, !candidates.contains(where: { editDistance(key.lowercased(), $0) <= 1 }) {
            return "; did you mean '\(elsewhere.joined(separator: "' or '"))'?"
        }
        return hint(for: key, in: candidates)
    }
}
