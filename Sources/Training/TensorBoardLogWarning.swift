import Foundation

extension TensorBoardLog {
    /// Says once that the run's event file cannot be written (a full disk, a read-only folder);
    /// the caller drops the log, so no later epoch says it again. Training goes on: the events
    /// repeat metrics.csv and the checkpoints, which are written (or stop the run) on their own.
    static func warnNotWritten(folder: URL, _ error: Error) {
        // Foundation wraps the system's reason ("No space left on device") in a Cocoa error.
        var reason = "\(error)"
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code)))
        }
        FileHandle.standardError.write(Data(("warning: the TensorBoard event file in \(folder.path) cannot be written (\(reason)); "
            + "training goes on without it, metrics.csv and the checkpoints are still written\n").utf8))
    }
}
