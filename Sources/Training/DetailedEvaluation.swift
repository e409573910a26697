/// An evaluation as a report shows it: the result with the test-time augmentation asked for,
/// the result without it (the same when none was asked), and every image's prediction.
public struct DetailedEvaluation: Sendable {
    public let result: EvaluationResult
    public let withoutAugmentation: EvaluationResult
    public let predictions: [ImagePrediction]

    public init(result: EvaluationResult, withoutAugmentation: EvaluationResult, predictions: [ImagePrediction]) {
        self.result = result
        self.withoutAugmentation = withoutAugmentation
        self.predictions = predictions
    }

    /// The `count` wrong predictions made with the highest confidence, most confident first
    /// (ties: the earlier image first, so that a report is the same every time).
    public func mostConfidentlyWrong(_ count: Int) -> [ImagePrediction] {
        Array(predictions.filter { !$0.isCorrect }
            .sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.index < $1.index }
            .prefix(count))
    }
}
