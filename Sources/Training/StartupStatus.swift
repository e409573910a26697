import Foundation

/// What a command is doing before its first step, while it takes seconds (building kernels,
/// tuning convolutions): on a terminal one line redrawn in place and erased when training
/// starts; in a log, only the phases (`log` lines), not every redraw.
public final class StartupStatus: @unchecked Sendable {
    private let isTerminal: Bool
    private let enabled: Bool
    private var shown = false

    public init(enabled: Bool) {
        isTerminal = isatty(STDOUT_FILENO) != 0
        self.enabled = enabled
    }

    /// Shows `text` on a terminal; prints `log` (when given) otherwise.
    public func show(_ text: String, log: String? = nil) {
        guard enabled else { return }
        if isTerminal {
            FileHandle.standardOutput.write(Data("\r\(text)\u{1B}[K".utf8))
            shown = true
        } else if let log {
            print(log)
        }
    }

    /// Erases the terminal line, before the lines that stay.
    public func clear() {
        guard enabled, isTerminal, shown else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}
