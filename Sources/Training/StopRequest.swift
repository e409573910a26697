import Foundation

/// Ctrl-C (SIGINT) and SIGTERM during training: the trainer finishes its step, saves a
/// checkpoint and exits with 128 + the signal's number (130 or 143).
public enum StopRequest {
    nonisolated(unsafe) private static var received: Int32 = 0
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// The signal that asked to stop, or nil.
    public static var signal: Int32? { received == 0 ? nil : received }

    /// Routes SIGINT and SIGTERM to the flag instead of killing the process.
    public static func install() {
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if received != 0 { exit(128 + number) }   // a second Ctrl-C stops at once
                received = number
                FileHandle.standardError.write(Data("\nstopping after this step (signal \(number)); saving a checkpoint...\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }

    /// For tests: forget a received signal.
    public static func reset() { received = 0 }

    /// For tests and the NaN path: ask to stop as a signal would.
    public static func request(_ number: Int32) { received = number }
}
