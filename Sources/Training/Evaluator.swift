import ConveyorKernels
import Foundation
import Layers
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

/// Runs the network in evaluation mode over a split (optionally with flip test-time
/// augmentation: the scores of each image and its mirror image are averaged).
public final class Evaluator {
    let setup: TrainingSetup
    private let lossValues: DeviceBuffer<Float>
    private let correctFlags: DeviceBuffer<Int32>

    public init(setup: TrainingSetup) throws {
        self.setup = setup
        lossValues = try setup.context.buffer(Float.self, count: setup.batch, label: "evaluation losses")
        correctFlags = try setup.context.buffer(Int32.self, count: setup.batch, label: "evaluation correct flags")
    }

    public func evaluate(split: SplitRole, epoch: Int, tta: Bool) throws -> EvaluationResult {
        let context = setup.context
        let network = setup.network
        let classes = network.outputShape.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var lossSum = 0.0, images = 0
        let flipped = tta ? try context.buffer(Float.self, count: setup.batch * network.inputShape.count, label: "flipped input") : nil
        let flip = tta ? try context.program(source: KernelSources.source(named: "basic.cl"), name: "basic.cl")
            .kernel("flip_horizontal_f32") : nil
        let stream = try setup.data.epochStream(split: split, epoch: epoch, batch: setup.batch, slots: setup.slots)
        defer { stream.cancel() }
        while let batch = try stream.next() {
            let n = batch.count
            let scoresBuffer = try network.forward(batch.slot.images, batch: n, mode: .evaluation)
            try setup.loss.evaluate(scores: scoresBuffer, labels: batch.slot.labels, batch: n, losses: lossValues, correct: correctFlags)
            var scores = try scoresBuffer.read(count: n * classes)
            if let flipped, let flip {
                let rows = n * network.inputShape.channels * network.inputShape.height
                try flip.setArgs(batch.slot.images, flipped, rows, network.inputShape.width)
                try context.launch(flip, global: [rows * network.inputShape.width])
                let mirrored = try network.forward(flipped, batch: n, mode: .evaluation).read(count: n * classes)
                for i in scores.indices { scores[i] = (scores[i] + mirrored[i]) / 2 }
            }
            let labels = try batch.slot.labels.read(count: n)
            lossSum += try lossValues.read(count: n).reduce(0.0) { $0 + Double($1) }
            try setup.slots.release(batch, context: context)
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
                                accuracy: Double(correct) / Double(max(images, 1)), classNames: setup.data.classNames,
                                perClassAccuracy: perClass, confusion: confusion, testTimeAugmentation: tta ? "flip" : "none")
    }
}
