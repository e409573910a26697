import Plots
import Training

/// Everything the report shows of one run, gathered before the page is written: the page
/// itself computes nothing and touches no device or file.
public struct RunReport {
    public var name: String
    /// The run folder (or the checkpoint's folder when a checkpoint file was given).
    public var folder: String
    public var checkpointPath: String
    public var checkpointEpoch: Int
    /// The pipeline stored in the checkpoint (YAML).
    public var pipeline: String
    /// The device the evaluation ran on, and the pipeline's device setting.
    public var device: String
    /// Per-epoch figures: metrics.csv, else the checkpoint's /metrics; nil when neither has a row.
    public var metrics: RunMetrics?
    public var metricsSource: String
    public var evaluation: DetailedEvaluation?
    /// Why there is no evaluation (no validation split and no --data), when there is none.
    public var evaluationNote: String?
    /// The split evaluated, in words ("validation split of the stored pipeline (64 images)").
    public var split: String
    public var classNames: [String]
    public var mistakes: [ReportThumbnail]
    public var filters: ReportFilters?
    public var evaluationSeconds: Double?

    public init(name: String, folder: String, checkpointPath: String, checkpointEpoch: Int, pipeline: String, device: String,
                metrics: RunMetrics?, metricsSource: String, evaluation: DetailedEvaluation?, evaluationNote: String?,
                split: String, classNames: [String], mistakes: [ReportThumbnail], filters: ReportFilters?,
                evaluationSeconds: Double?) {
        self.name = name
        self.folder = folder
        self.checkpointPath = checkpointPath
        self.checkpointEpoch = checkpointEpoch
        self.pipeline = pipeline
        self.device = device
        self.metrics = metrics
        self.metricsSource = metricsSource
        self.evaluation = evaluation
        self.evaluationNote = evaluationNote
        self.split = split
        self.classNames = classNames
        self.mistakes = mistakes
        self.filters = filters
        self.evaluationSeconds = evaluationSeconds
    }
}
