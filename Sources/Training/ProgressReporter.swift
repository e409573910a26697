import Foundation

/// Progress during an epoch: a redrawn bar with loss, accuracy, images/s and ETA on a terminal,
/// a plain line every so often otherwise (logs, CI).
public final class ProgressReporter {
    let isTerminal: Bool
    let quiet: Bool
    private var lastPlainLine = Date.distantPast
    private var lastDraw = Date.distantPast

    public init(quiet: Bool = false) {
        isTerminal = isatty(STDOUT_FILENO) != 0
        // Line-buffered standard output, so logs show progress as it happens.
        setvbuf(stdout, nil, _IOLBF, 0)
        self.quiet = quiet
    }

    public func update(epoch: Int, epochs: Int, batch: Int, batches: Int, loss: Double, accuracy: Double,
                       imagesPerSecond: Double, elapsed: Double) {
        guard !quiet else { return }
        let now = Date()
        let remaining = batches > batch && batch > 0 ? elapsed / Double(batch) * Double(batches - batch) : 0
        if isTerminal {
            guard now.timeIntervalSince(lastDraw) > 0.1 || batch == batches else { return }
            lastDraw = now
            let width = 24
            let filled = batches > 0 ? width * batch / batches : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let text = String(format: "\repoch %d/%d [%@] %d/%d  loss %.4f  acc %.2f%%  %.0f img/s  ETA %@ ",
                              epoch, epochs, bar, batch, batches, loss, accuracy * 100, imagesPerSecond, ProgressReporter.clock(remaining))
            FileHandle.standardOutput.write(Data(text.utf8))
        } else if now.timeIntervalSince(lastPlainLine) >= 10 {
            lastPlainLine = now
            print(String(format: "epoch %d/%d  batch %d/%d  loss %.4f  acc %.2f%%  %.0f img/s  ETA %@",
                         epoch, epochs, batch, batches, loss, accuracy * 100, imagesPerSecond, ProgressReporter.clock(remaining)))
        }
    }

    /// Ends the bar's line before the epoch summary is printed.
    public func endEpoch() {
        if isTerminal && !quiet { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }

    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
