import Layers
import OpenCLRuntime
import XCTest

final class LossTests: XCTestCase {
    let context = LayerTestDevice.context

    /// The gradient is that of the mean loss over the batch: checked against differences of that mean.
    func testReferenceGradientsOfMeanLoss() {
        var random = SeededGenerator(seed: 12)
        let batch = 4, classes = 7
        let scores = random.floats(batch * classes, in: -3...3)
        let labels = (0..<batch).map { _ in Int32.random(in: 0..<Int32(classes), using: &random) }
        let checker = GradientChecker(step: 1e-3)
        func mean(_ losses: [Float]) -> [Float] { [losses.reduce(0, +) / Float(losses.count)] }
        for smoothing: Float in [0, 0.1] {
            let analytic = LossReference.softmaxCrossEntropy(scores: scores, labels: labels, classes: classes,
                                                             labelSmoothing: smoothing).gradient
            checker.assertPasses(checker.check(x: scores, weights: [1], analytic: analytic) {
                mean(LossReference.softmaxCrossEntropy(scores: $0, labels: labels, classes: classes, labelSmoothing: smoothing).losses)
            }, "softmax cross-entropy, smoothing \(smoothing)")
        }
        let analytic = LossReference.multiclassSVM(scores: scores, labels: labels, classes: classes, margin: 1).gradient
        checker.assertPasses(checker.check(x: scores, weights: [1], analytic: analytic) {
            mean(LossReference.multiclassSVM(scores: $0, labels: labels, classes: classes, margin: 1).losses)
        }, "multiclass SVM")
    }

    func testKernelsMatchReferenceOnRandomConfigurations() throws {
        var random = SeededGenerator(seed: 55)
        for trial in 0..<20 {
            let classes = [1, 2, 7, 10, 13, 33, 100].randomElement(using: &random)!
            let batch = [1, 2, 7, 13, 64].randomElement(using: &random)!
            let smoothing = [Float(0), 0.1, 0.3].randomElement(using: &random)!
            let margin = [Float(1), 0.5].randomElement(using: &random)!
            // Quantised scores give ties, which exercise the first-arg-max rule.
            var scores = random.floats(batch * classes, in: -8...8)
            if trial % 2 == 0 { scores = scores.map { $0.rounded() } }
            let labels = (0..<batch).map { _ in Int32.random(in: 0..<Int32(classes), using: &random) }
            let what = "trial \(trial): batch \(batch), \(classes) classes"
            let losses: [(String, Loss, LossReference.Result)] = [
                ("softmax smoothing \(smoothing)",
                 try SoftmaxCrossEntropy(context: context, classes: classes, labelSmoothing: smoothing),
                 LossReference.softmaxCrossEntropy(scores: scores, labels: labels, classes: classes, labelSmoothing: smoothing)),
                ("svm margin \(margin)", try MulticlassSVM(context: context, classes: classes, margin: margin),
                 LossReference.multiclassSVM(scores: scores, labels: labels, classes: classes, margin: margin)),
            ]
            for (label, loss, expected) in losses {
                let result = try run(loss, scores: scores, labels: labels, classes: classes, gradient: true)
                assertClose(result.losses, expected.losses, "\(label) losses \(what)")
                XCTAssertEqual(result.correct, expected.correct, "\(label) correct \(what)")
                assertClose(result.gradient, expected.gradient, "\(label) gradient \(what)")
                let evaluated = try run(loss, scores: scores, labels: labels, classes: classes, gradient: false)
                assertClose(evaluated.losses, expected.losses, "\(label) evaluate losses \(what)")
                XCTAssertEqual(evaluated.correct, expected.correct, "\(label) evaluate correct \(what)")
            }
        }
    }

    func testLargeScoresStayFiniteAndBadLabelsGiveNaN() throws {
        let loss = try SoftmaxCrossEntropy(context: context, classes: 3)
        let result = try run(loss, scores: [1000, 0, -1000, 5, 5, 5], labels: [1, 7], classes: 3, gradient: true)
        XCTAssertEqual(result.losses[0], 1000, accuracy: 1e-3)
        XCTAssertEqual(result.correct, [0, 0])
        XCTAssertTrue(result.losses[1].isNaN, "label 7 of 3 classes")
        XCTAssertEqual(Array(result.gradient[3...]), [0, 0, 0])
        let ties = try run(loss, scores: [2, 2, 1], labels: [0], classes: 3, gradient: false)
        XCTAssertEqual(ties.correct, [1], "ties go to the first class")
    }

    private func run(_ loss: Loss, scores: [Float], labels: [Int32], classes: Int, gradient: Bool)
        throws -> (losses: [Float], correct: [Int32], gradient: [Float]) {
        let batch = labels.count
        let scoreBuffer = try context.buffer(scores, label: "scores")
        let labelBuffer = try context.buffer(labels, label: "labels")
        let lossBuffer = try context.buffer(Float.self, count: batch, label: "losses")
        let correctBuffer = try context.buffer(Int32.self, count: batch, label: "correct")
        let gradientBuffer = try context.buffer(Float.self, count: batch * classes, label: "score gradient")
        try lossBuffer.fill(.nan)
        try correctBuffer.fill(-1)
        try gradientBuffer.fill(.nan)
        if gradient {
            try loss.forwardBackward(scores: scoreBuffer, labels: labelBuffer, batch: batch, scoreGradient: gradientBuffer,
                                     losses: lossBuffer, correct: correctBuffer)
        } else {
            try loss.evaluate(scores: scoreBuffer, labels: labelBuffer, batch: batch, losses: lossBuffer, correct: correctBuffer)
        }
        return (try lossBuffer.read(), try correctBuffer.read(), try gradientBuffer.read())
    }
}
