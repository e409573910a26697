/// Training failures that are the user's to act on; each says what happened and what to do.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(step: Int, epoch: Int, lastCheckpoint: String?)
    case batchDoesNotFit(batch: Int, needed: Int, available: Int, largest: Int?)
    case nothingFits(needed: Int, available: Int)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step, epoch, last):
            return "the loss became NaN or infinite at step \(step) (epoch \(epoch)); training stopped. "
                + (last.map { "The last good checkpoint is \($0); resume from it with a lower optimizer.lr (for example --set optimizer.lr=...)." }
                    ?? "No checkpoint was saved yet; lower optimizer.lr or add warm-up (schedule.warmup_epochs) and train again.")
        case let .batchDoesNotFit(batch, needed, available, largest):
            return "batch \(batch) needs \(format(needed)) of device memory but only \(format(available)) may be used; "
                + (largest.map { "the largest batch that fits is \($0): set train.batch to \($0) or to auto." }
                    ?? "not even a batch of 8 fits; use a smaller network or a device with more memory.")
        case let .nothingFits(needed, available):
            return "not even a batch of 8 fits: it needs \(format(needed)) of device memory and only \(format(available)) may be used"
        case let .invalidSetting(text):
            return text
        }
    }

    private func format(_ bytes: Int) -> String {
        let mib = Double(bytes) / 1_048_576
        return mib >= 1024 ? String(format: "%.2f GiB", mib / 1024) : String(format: "%.1f MiB", mib)
    }
}
