import Foundation

/// Ctrl-C (SIGINT) and SIGTERM during training: the trainer finishes its step, saves a
/// checkpoint and exits with 128 + the signal's number (130 or 143).
///
/// Before training starts (while the pipeline is read, kernels build, the input normalisation is
/// measured), there is nothing to save: the process says "stopped before training started" and
/// exits at once with 128 + the signal's number, leaving every file as it was.
public enum StopRequest {
    nonisolated(unsafe) private static var received: Int32 = 0
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) private static var started = false
    private static let exitLock = NSLock()

    /// From now on a signal stops training after the current step instead of exiting at once.
    public static func trainingStarted() { started = true }

    /// Whether `trainingStarted()` was called.
    public static var hasTrainingStarted: Bool { started }

    /// Exits with 128 + `number` and the message for a stop before the first step. Safe to call
    /// from several threads: the first caller exits, the others wait for it.
    public static func exitBeforeTraining(_ number: Int32) -> Never {
        exitLock.lock()
        fflush(stdout)
        let name = number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)"
        FileHandle.standardError.write(Data("\nstopped before training started (\(name)): nothing was trained, nothing saved\n".utf8))
        _exit(128 + number)
    }

    /// The signal that asked to stop, or nil.
    public static var signal: Int32? { received == 0 ? nil : received }

    /// Routes SIGINT and SIGTERM to the flag instead of killing the process.
    ///
    /// Returns once Dispatch has armed both sources: it registers them later, on a thread of its
    /// own, and a signal between `SIG_IGN` and that registration was ignored and lost (on a loaded
    /// machine the gap lasted past the run folder's lock, so a SIGTERM went unanswered).
    public static func install() {
        guard sources.isEmpty else { return }
        let armed = DispatchSemaphore(value: 0)
        for number in [SIGINT, SIGTERM] {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setRegistrationHandler { armed.signal() }
            source.setEventHandler {
                if !started {
                    received = number
                    exitBeforeTraining(number)
                }
                if received != 0 { exit(128 + number) }   // a second Ctrl-C stops at once
                received = number
                FileHandle.standardError.write(Data("\nstopping after this step (signal \(number)); saving a checkpoint...\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
        // Bounded, so that a Dispatch that never calls the handler cannot stop the command.
        for _ in sources { _ = armed.wait(timeout: .now() + 10) }
    }

    /// For tests: forget a received signal.
    public static func reset() { received = 0 }

    /// For tests and the NaN path: ask to stop as a signal would.
    public static func request(_ number: Int32) { received = number }
}
