/// Training failures that are the user's to act on; each says what happened and what to do.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(step: Int, epoch: Int, lastCheckpoint: String?)
    /// `cap`: the search's upper bound (train.max_batch or the training split) when `largest` reached it.
    case batchDoesNotFit(batch: Int, needed: Int, available: Int, largest: Int?, cap: BatchCap? = nil)
    case nothingFits(needed: Int, available: Int)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step, epoch, last):
            return "the loss became NaN or infinite at step \(step) (epoch \(epoch)); training stopped. "
                + (last.map { "The last good checkpoint is \($0); resume from it with a lower optimizer.lr (for example --set optimizer.lr=...)." }
                    ?? "No checkpoint was saved yet; lower optimizer.lr or add warm-up (schedule.warmup_epochs) and train again.")
        case let .batchDoesNotFit(batch, needed, available, largest, cap):
            let advice: String
            if let largest, let cap, largest >= cap.value {
                advice = "batch \(largest) fits, the most \(cap.name) allows (\(cap.value)): set train.batch to \(largest) or to auto."
            } else if let largest {
                advice = "the largest batch that fits is \(largest): set train.batch to \(largest) or to auto."
            } else {
                advice = "not even a batch of 8 fits; use a smaller network or a device with more memory."
            }
            return "batch \(batch) needs \(format(needed)) of device memory but only \(format(available)) may be used; " + advice
        case let .nothingFits(needed, available):
            return "not even a batch of 8 fits: it needs \(format(needed)) of device memory and only \(format(available)) may be used"
        case let .invalidSetting(text):
            return text
        }
    }

    /// Bytes in the unit that reads best: B, KiB, MiB (one decimal) or GiB (two decimals).
    static func format(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b < 1024 { return "\(bytes) B" }
        if b < 1_048_576 { return String(format: "%.1f KiB", b / 1024) }
        let mib = b / 1_048_576
        return mib >= 1024 ? String(format: "%.2f GiB", mib / 1024) : String(format: "%.1f MiB", mib)
    }

    private func format(_ bytes: Int) -> String { Self.format(bytes) }
}

/// What bounds the automatic batch search: `train.max_batch` or the size of the training split.
public struct BatchCap: Sendable {
    public let name: String
    public let value: Int
}
