import Foundation
import InputData
import Layers
import Model
import OpenCLRuntime

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

/// Runs a model in evaluation mode over the validation split of `data` (optionally with flip
/// test-time augmentation: the scores of each image and its mirror image are averaged).
///
/// It needs only the model, the data, input slots and step outputs: a checkpoint evaluates
/// without the training split, optimizer or schedule.
public final class Evaluator {
    let model: Model
    let data: DataSplits
    let slots: InputSlotRing
    let outputs: StepOutputs
    let batch: Int

    /// The buffer validation adds: with flip TTA, the mirrored copy of one input batch.
    public static func requests(batch: Int, valuesPerImage: Int, flip: Bool) -> [BufferRequest] {
        flip ? [BufferRequest(Float.self, count: batch * valuesPerImage, label: "flipped input")] : []
    }

    public init(model: Model, data: DataSplits, slots: InputSlotRing, outputs: StepOutputs, batch: Int) {
        self.model = model
        self.data = data
        self.slots = slots
        self.outputs = outputs
        self.batch = batch
    }

    public func evaluate(split: SplitRole, epoch: Int, tta: Bool) throws -> EvaluationResult {
        let context = model.context
        let network = model.network
        let classes = network.outputShape.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var lossSum = 0.0, images = 0
        let flipped = try Self.requests(batch: batch, valuesPerImage: network.inputShape.count, flip: tta).first
            .map { try context.buffer(Float.self, for: $0) }
        let flip = tta ? try HorizontalFlip(context: context) : nil
        let stream = try data.epochStream(split: split, epoch: epoch, batch: batch, slots: slots, normalization: model.normalization)
        defer { stream.cancel() }
        while let batch = try stream.next() {
            let n = batch.count
            let scoresBuffer = try network.forward(batch.slot.images, batch: n, mode: .evaluation)
            try model.loss.evaluate(scores: scoresBuffer, labels: batch.slot.labels, batch: n, losses: outputs.losses,
                                    correct: outputs.correct)
            var scores = try scoresBuffer.read(count: n * classes)
            if let flipped, let flip {
                try flip.apply(batch.slot.images, into: flipped, batch: n, shape: network.inputShape)
                let mirrored = try network.forward(flipped, batch: n, mode: .evaluation).read(count: n * classes)
                for i in scores.indices { scores[i] = (scores[i] + mirrored[i]) / 2 }
            }
            let labels = try batch.slot.labels.read(count: n)
            lossSum += try outputs.losses.read(count: n).reduce(0.0) { $0 + Double($1) }
            try slots.release(batch, context: context)
            for i in 0..<n {
                let row = scores[(i * classes)..<((i + 1) * classes)]
                let predicted = row.indices.max { row[$0] < row[$1] }! - i * classes
                confusion[Int(labels[i])][predicted] += 1
            }
            images += n
        }
        let perClass = confusion.enumerated().map { index, row -> Double in
            let total = row.reduce(0, +)
            return total == 0 ? .nan : Double(row[index]) / Double(total)
        }
        let correct = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
        return EvaluationResult(images: images, loss: lossSum / Double(max(images, 1)),
                                accuracy: Double(correct) / Double(max(images, 1)), classNames: data.classNames,
                                perClassAccuracy: perClass, confusion: confusion, testTimeAugmentation: tta ? "flip" : "none")
    }
}
