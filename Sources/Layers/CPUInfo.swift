import Foundation

/// The "name : value" fields of /proc/cpuinfo, the first processor's value of each (later
/// processors repeat them): what the theoretical peak and the tuning cache's key read.
struct CPUInfo {
    private var fields: [String: String] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            if fields[name] == nil { fields[name] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
    }

    /// This machine's, or nil where /proc/cpuinfo cannot be read.
    static func current() -> CPUInfo? {
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)).map(CPUInfo.init)
    }

    subscript(name: String) -> String? { fields[name] }
}
