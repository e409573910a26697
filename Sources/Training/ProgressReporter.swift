import Foundation

/// Progress during an epoch: a redrawn bar with loss, accuracy, images/s and ETA on a terminal,
/// a plain line every so often otherwise (logs, CI).
///
/// The first batch of a run builds kernels at their first launch and an epoch's first batch
/// waits for the input stages to fill, so its time says nothing about the rest: the rate and
/// the ETA are measured from the end of the epoch's first batch on, and shown as "measuring"
/// until `steadyBatches` more batches have run.
public final class ProgressReporter {
    let isTerminal: Bool
    let quiet: Bool
    private var lastPlainLine = Date.distantPast
    private var lastDraw = Date.distantPast
    /// Batches after the first before the rate counts as steady.
    public static let steadyBatches = 3
    /// Where the rate is measured from: the batch, the seconds and the images at the end of the
    /// epoch's first reported batch.
    private var rateOrigin: (epoch: Int, batch: Int, elapsed: Double, images: Double)?

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
        let images = imagesPerSecond * elapsed
        if rateOrigin?.epoch != epoch { rateOrigin = (epoch, batch, elapsed, images) }
        let rate = Self.steadyRate(origin: rateOrigin!, batch: batch, elapsed: elapsed, images: images)
        let eta = rate.map { Self.clock($0.secondsPerBatch * Double(max(batches - batch, 0))) } ?? "measuring"
        let speed = rate.map { String(format: "%.0f img/s", $0.imagesPerSecond) } ?? "measuring img/s"
        if isTerminal {
            guard now.timeIntervalSince(lastDraw) > 0.1 || batch == batches else { return }
            lastDraw = now
            let width = 24
            let filled = batches > 0 ? width * batch / batches : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let text = String(format: "\repoch %d/%d [%@] %d/%d  loss %.4f  acc %.2f%%  %@  ETA %@\u{1B}[K",
                              epoch, epochs, bar, batch, batches, loss, accuracy * 100, speed, eta)
            FileHandle.standardOutput.write(Data(text.utf8))
        } else if now.timeIntervalSince(lastPlainLine) >= 10 {
            lastPlainLine = now
            print(String(format: "epoch %d/%d  batch %d/%d  loss %.4f  acc %.2f%%  %@  ETA %@",
                         epoch, epochs, batch, batches, loss, accuracy * 100, speed, eta))
        }
    }

    /// Before an epoch's first batch: on a terminal, what the wait is (the first epoch's first
    /// batch builds kernels at their first launch; later ones wait for the input stages).
    public func startEpoch(epoch: Int, epochs: Int, batches: Int, firstOfRun: Bool) {
        guard !quiet, isTerminal else { return }
        let doing = firstOfRun ? "first batch: kernels build at their first launch" : "first batch: filling the input stages"
        let text = String(format: "\repoch %d/%d [%@] 0/%d  %@\u{1B}[K", epoch, epochs, String(repeating: ".", count: 24), batches, doing)
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Seconds per batch and images per second since `origin`, once `steadyBatches` batches have
    /// run after it; nil before (the ETA then reads "measuring").
    static func steadyRate(origin: (epoch: Int, batch: Int, elapsed: Double, images: Double), batch: Int, elapsed: Double,
                           images: Double) -> (secondsPerBatch: Double, imagesPerSecond: Double)? {
        let batchesSince = batch - origin.batch
        let seconds = elapsed - origin.elapsed
        guard batchesSince >= steadyBatches, seconds > 0 else { return nil }
        return (seconds / Double(batchesSince), (images - origin.images) / seconds)
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
