import Distributed
import Foundation
import InputData
import Layers
import Model
import OpenCLRuntime
import PipelineConfig

/// Accuracy, per-class accuracy and the confusion matrix of a network on one split.
public struct EvaluationResult: Sendable, Encodable {
    public let images: Int
    public let loss: Double
    public let accuracy: Double
    public let classNames: [String]
    public let perClassAccuracy: [Double]
    /// confusion[true class][predicted class]
    public let confusion: [[Int]]
    public let testTimeAugmentation: String
}

/// Runs a model in evaluation mode over the validation split of `data`, optionally with
/// test-time augmentation (`TestTimeAugmentation`):
///
/// - `flip`: L = m(x), m(v) = 0.5 f(v) + 0.5 f(mirror v);
/// - `flipTranslate` (airbench94's tta_level 2): L = 0.5 m(x) + 0.5 (m(t1 x) + m(t2 x)) / 2, t1 the
///   one-pixel shift down-right (`padded[0:32, 0:32]` of the 1-pixel reflect-padded image), t2
///   up-left (`padded[2:34, 2:34]`): six forward passes per batch.
///
/// The reported loss is the loss of the averaged logits: they are written to a device buffer and
/// the model's loss evaluated on it. It needs only the model, the data, input slots and step
/// outputs: a checkpoint evaluates without the training split, optimizer or schedule.
public final class Evaluator {
    let model: Model
    public let data: DataSplits
    let slots: InputSlotRing
    let outputs: StepOutputs
    let batch: Int
    /// Data-parallel runs: each rank evaluates its share of the batches (`DataShard`) and the
    /// sums (loss, confusion matrix, images) are added over the ranks.
    let communicator: Communicator?

    /// The (dy, dx) shifts of `flipTranslate` besides the identity: content down-right, then up-left.
    public static let translations = [(dy: 1, dx: 1), (dy: -1, dx: -1)]

    /// The buffers validation adds with test-time augmentation: one augmented view of an input
    /// batch (each view is shifted and/or mirrored into it from the slot, one at a time) and the
    /// averaged scores the loss is evaluated on.
    public static func requests(batch: Int, valuesPerImage: Int, classes: Int, tta: TestTimeAugmentation) -> [BufferRequest] {
        switch tta {
        case .none:
            return []
        case .flip, .flipTranslate:
            return [BufferRequest(Float.self, count: batch * valuesPerImage, label: "TTA view"),
                    BufferRequest(Float.self, count: batch * classes, label: "TTA averaged scores")]
        }
    }

    public init(model: Model, data: DataSplits, slots: InputSlotRing, outputs: StepOutputs, batch: Int,
                communicator: Communicator? = nil) {
        self.communicator = communicator
        self.model = model
        self.data = data
        self.slots = slots
        self.outputs = outputs
        self.batch = batch
    }

    public func evaluate(split: SplitRole, epoch: Int, tta: TestTimeAugmentation) throws -> EvaluationResult {
        try pass(split: split, epoch: epoch, tta: tta, details: false).result
    }

    /// As `evaluate`, and from the same pass (the unaugmented view is one of the views that
    /// test-time augmentation averages) the result without augmentation and every image's
    /// prediction, for reports. One process only: the predictions are this process's images.
    public func evaluateInDetail(split: SplitRole, epoch: Int, tta: TestTimeAugmentation) throws -> DetailedEvaluation {
        try pass(split: split, epoch: epoch, tta: tta, details: true)
    }

    private func pass(split: SplitRole, epoch: Int, tta: TestTimeAugmentation, details: Bool) throws -> DetailedEvaluation {
        let context = model.context
        let network = model.network
        let shape = network.inputShape
        let classes = network.outputShape.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var lossSum = 0.0, images = 0
        // Without augmentation, when `details` asks for it beside an augmented result.
        var plainConfusion = confusion
        var plainLossSum = 0.0
        var predictions: [ImagePrediction] = []
        let extra = try Self.requests(batch: batch, valuesPerImage: shape.count, classes: classes, tta: tta)
            .map { try context.buffer(Float.self, for: $0) }
        let shift = tta == .none ? nil : try ImageShift(context: context)
        let stream = try data.epochStream(split: split, epoch: epoch, batch: batch, slots: slots, normalization: model.normalization)
        defer { stream.cancel() }
        while let batch = try stream.next() {
            let n = batch.count
            let input = batch.slot.images
            let scores: [Float]
            var plainScores: [Float]?
            if let shift, extra.count == 2 {
                let view = extra[0], averaged = extra[1]
                // The logits of one view of the batch: shifted by (dy, dx) with reflect padding, then mirrored.
                func logits(dy: Int, dx: Int, mirror: Bool) throws -> [Float] {
                    if dy == 0 && dx == 0 && !mirror {
                        return try network.forward(input, batch: n, mode: .evaluation).read(count: n * classes)
                    }
                    try shift.apply(input, into: view, batch: n, shape: shape, dy: dy, dx: dx, mirror: mirror)
                    return try network.forward(view, batch: n, mode: .evaluation).read(count: n * classes)
                }
                func mirrored(dy: Int, dx: Int) throws -> [Float] {
                    Self.mirrorAverage(try logits(dy: dy, dx: dx, mirror: false), try logits(dy: dy, dx: dx, mirror: true))
                }
                let plain = try logits(dy: 0, dx: 0, mirror: false)
                let centre = Self.mirrorAverage(plain, try logits(dy: 0, dx: 0, mirror: true))
                if tta == .flipTranslate {
                    let shifted = try Self.translations.map { try mirrored(dy: $0.dy, dx: $0.dx) }
                    scores = Self.translateAverage(centre: centre, shifted[0], shifted[1])
                } else {
                    scores = centre
                }
                if details {
                    // The model's own loss of the unaugmented logits, through the same buffer.
                    try averaged.write(plain)
                    try model.loss.evaluate(scores: averaged, labels: batch.slot.labels, batch: n, losses: outputs.losses,
                                            correct: outputs.correct)
                    plainLossSum += try outputs.losses.read(count: n).reduce(0.0) { $0 + Double($1) }
                    plainScores = plain
                }
                try averaged.write(scores)
                try model.loss.evaluate(scores: averaged, labels: batch.slot.labels, batch: n, losses: outputs.losses,
                                        correct: outputs.correct)
            } else {
                let scoresBuffer = try network.forward(input, batch: n, mode: .evaluation)
                try model.loss.evaluate(scores: scoresBuffer, labels: batch.slot.labels, batch: n, losses: outputs.losses,
                                        correct: outputs.correct)
                scores = try scoresBuffer.read(count: n * classes)
            }
            let labels = try batch.slot.labels.read(count: n)
            lossSum += try outputs.losses.read(count: n).reduce(0.0) { $0 + Double($1) }
            try slots.release(batch, context: context)
            // Evaluation batches come in order, whole, round robin over the ranks (`DataShard`).
            let first = (batch.index * data.shard.ranks + data.shard.rank) * self.batch
            for i in 0..<n {
                let row = Array(scores[(i * classes)..<((i + 1) * classes)])
                let predicted = row.indices.max { row[$0] < row[$1] }!
                let label = Int(labels[i])
                confusion[label][predicted] += 1
                if details {
                    let probabilities = Self.softmax(row)
                    predictions.append(ImagePrediction(index: first + i, label: label, predicted: predicted,
                                                       confidence: probabilities[predicted], trueProbability: probabilities[label]))
                    if let plainScores {
                        let plainRow = plainScores[(i * classes)..<((i + 1) * classes)]
                        plainConfusion[label][plainRow.indices.max { plainRow[$0] < plainRow[$1] }! - i * classes] += 1
                    }
                }
            }
            images += n
        }
        if let communicator, communicator.size > 1 {
            var sums = [lossSum, Double(images)] + confusion.joined().map(Double.init)
            try communicator.allReduceSum(&sums)
            lossSum = sums[0]
            images = Int(sums[1])
            confusion = (0..<classes).map { row in (0..<classes).map { Int(sums[2 + row * classes + $0]) } }
        }
        let result = Self.result(confusion: confusion, lossSum: lossSum, images: images, classNames: data.classNames, tta: tta)
        let plain = tta == .none || !details
            ? result
            : Self.result(confusion: plainConfusion, lossSum: plainLossSum, images: images, classNames: data.classNames, tta: .none)
        return DetailedEvaluation(result: result, withoutAugmentation: plain, predictions: predictions)
    }

    static func result(confusion: [[Int]], lossSum: Double, images: Int, classNames: [String],
                       tta: TestTimeAugmentation) -> EvaluationResult {
        let perClass = confusion.enumerated().map { index, row -> Double in
            let total = row.reduce(0, +)
            return total == 0 ? .nan : Double(row[index]) / Double(total)
        }
        let correct = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
        return EvaluationResult(images: images, loss: lossSum / Double(max(images, 1)),
                                accuracy: Double(correct) / Double(max(images, 1)), classNames: classNames,
                                perClassAccuracy: perClass, confusion: confusion, testTimeAugmentation: tta.rawValue)
    }

    /// exp(s - max) / sum: the probabilities a report shows beside a prediction (the scores of
    /// any loss, read as logits).
    public static func softmax(_ scores: [Float]) -> [Float] {
        let top = scores.max() ?? 0
        let exps = scores.map { Foundation.exp(Double($0 - top)) }
        let sum = exps.reduce(0, +)
        return exps.map { Float($0 / sum) }
    }

    /// m(v) = 0.5 f(v) + 0.5 f(mirror v), element by element (airbench's infer_mirror).
    public static func mirrorAverage(_ plain: [Float], _ mirrored: [Float]) -> [Float] {
        zip(plain, mirrored).map { 0.5 * $0 + 0.5 * $1 }
    }

    /// 0.5 centre + 0.5 (first + second) / 2 (airbench's infer_mirror_translate, whose stack-mean of
    /// the two shifted views is their sum over 2).
    public static func translateAverage(centre: [Float], _ first: [Float], _ second: [Float]) -> [Float] {
        (0..<centre.count).map { 0.5 * centre[$0] + 0.5 * ((first[$0] + second[$0]) / 2) }
    }
}
