/// One evaluated image: where it is in its split, its class, the class predicted, and the
/// softmax probabilities of both (of the scores the accuracy counts, after test-time augmentation).
public struct ImagePrediction: Sendable, Equatable {
    /// Position in the split's source (validation is read in order).
    public let index: Int
    public let label: Int
    public let predicted: Int
    /// The probability of the predicted class.
    public let confidence: Float
    public let trueProbability: Float

    public init(index: Int, label: Int, predicted: Int, confidence: Float, trueProbability: Float) {
        self.index = index
        self.label = label
        self.predicted = predicted
        self.confidence = confidence
        self.trueProbability = trueProbability
    }

    public var isCorrect: Bool { label == predicted }
}
