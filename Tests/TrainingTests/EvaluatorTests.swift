import Foundation
import InputData
import Layers
import OpenCLRuntime
import PipelineConfig
import XCTest
@testable import Training

/// Test-time augmentation against the same averaged logits computed on the host: the views built
/// with airbench's pad-and-crop on host arrays, each view's logits read from the device network,
/// the averages and the loss (`LossReference`) on the host.
final class EvaluatorTests: XCTestCase {
    static let shared: TrainingRun = {
        let folder = TrainingFixtures.temporaryFolder()
        // 100 validation images in batches of 32: the last batch is partial.
        let run = try! TrainingFixtures.run(TrainingFixtures.tinyPipeline(folder: folder, epochs: 1),
                                            overrides: ["data.synthetic_validation=100"])
        try! Trainer(run: run, options: .init(quiet: true)).train()
        return run
    }()

    struct HostResult { var accuracy: Double, loss: Double, images: Int }

    /// Mirror every row of an NCHW batch.
    func mirror(_ x: [Float], width: Int) -> [Float] {
        stride(from: 0, to: x.count, by: width).flatMap { x[$0..<($0 + width)].reversed() }
    }

    func host(_ run: TrainingRun, tta: TestTimeAugmentation) throws -> HostResult {
        let network = run.network, shape = network.inputShape, classes = network.outputShape.count
        let view = try run.context.buffer(Float.self, count: run.batch * shape.count, label: "test view")
        var lossSum = 0.0, correct = 0, images = 0
        let stream = try run.data.epochStream(split: .validation, epoch: 0, batch: run.batch, slots: run.slots,
                                              normalization: run.model.normalization)
        defer { stream.cancel() }
        while let batch = try stream.next() {
            let n = batch.count
            let x = try batch.slot.images.read(count: n * shape.count)
            let labels = try batch.slot.labels.read(count: n)
            try run.slots.release(batch, context: run.context)
            func f(_ v: [Float]) throws -> [Float] {
                try view.write(v)
                return try network.forward(view, batch: n, mode: .evaluation).read(count: n * classes)
            }
            func m(_ v: [Float]) throws -> [Float] {
                let a = try f(v), b = try f(mirror(v, width: shape.width))
                return (0..<a.count).map { 0.5 * a[$0] + 0.5 * b[$0] }
            }
            var logits: [Float]
            switch tta {
            case .none: logits = try f(x)
            case .flip: logits = try m(x)
            case .flipTranslate:
                let centre = try m(x)
                let t1 = try m(ImageShiftReference.padAndCrop(x, batch: n, shape: shape, top: 0, left: 0))
                let t2 = try m(ImageShiftReference.padAndCrop(x, batch: n, shape: shape, top: 2, left: 2))
                logits = (0..<centre.count).map { 0.5 * centre[$0] + 0.5 * ((t1[$0] + t2[$0]) / 2) }
            }
            let reference = LossReference.softmaxCrossEntropy(scores: logits, labels: labels, classes: classes, labelSmoothing: 0.1)
            lossSum += reference.losses.reduce(0.0) { $0 + Double($1) }
            correct += reference.correct.reduce(0) { $0 + Int($1) }
            images += n
        }
        return HostResult(accuracy: Double(correct) / Double(images), loss: lossSum / Double(images), images: images)
    }

    func testTestTimeAugmentationEqualsTheHostAverages() throws {
        let run = Self.shared
        var losses: [TestTimeAugmentation: Double] = [:]
        for tta in TestTimeAugmentation.allCases {
            let result = try run.evaluator().evaluate(split: .validation, epoch: 0, tta: tta)
            let expected = try host(run, tta: tta)
            print("tta \(tta.rawValue): accuracy \(result.accuracy) loss \(result.loss); host accuracy \(expected.accuracy) loss \(expected.loss)")
            XCTAssertEqual(result.images, 100)
            XCTAssertEqual(result.images, expected.images)
            XCTAssertEqual(result.testTimeAugmentation, tta.rawValue)
            XCTAssertEqual(result.accuracy, expected.accuracy, "\(tta)")
            XCTAssertEqual(result.loss, expected.loss, accuracy: 1e-5 * max(1, expected.loss), "\(tta)")
            losses[tta] = result.loss
        }
        // The views change the logits, so each level reports its own loss (flip's is no longer
        // the loss of the plain logits, as it was before the averaged scores were scored).
        XCTAssertNotEqual(losses[.flip]!, losses[.none]!, accuracy: 1e-6)
        XCTAssertNotEqual(losses[.flipTranslate]!, losses[.flip]!, accuracy: 1e-6)
    }
}
