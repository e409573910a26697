import Layers

/// The largest value every size, count and duration of a pipeline file may take, so that no
/// typed value can overflow, allocate without limit or run for ever. Each bound is far above any
/// sensible setting; a value above it is refused with the bound in the message.
public enum PipelineLimits {
    /// train.epochs, train.eval_interval, checkpoint.interval and every epoch count of the schedule.
    public static let epochs = LayerLimits.epochs
    /// train.batch, train.max_batch, train.reference_batch.
    public static let batch = 1_048_576
    /// data.synthetic_train and data.synthetic_validation (images are drawn on the fly; measuring
    /// the input normalisation reads every training image once).
    public static let syntheticImages = 1_000_000
    /// data.workers.
    public static let workers = 64
    /// data.prefetch (each prefetched batch is a device buffer).
    public static let prefetch = 64
    /// checkpoint.keep.
    public static let keep = 10_000
    /// augment.translate (pixels; images are 32x32).
    public static let translate = 16
    /// augment.cutout (pixels).
    public static let cutout = 32
    /// The layers' own bounds (channels, window sizes, block repeats) live with the layer kinds.
    public static let channels = LayerLimits.channels
    public static let kernelExtent = LayerLimits.kernelExtent
    public static let blockRepeats = LayerLimits.blockRepeats
}
