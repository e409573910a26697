import Optimization
import PipelineConfig
import XCTest

/// The learning rate at chosen epochs, for every schedule type and warm-up, through the one
/// path training uses (`LearningRatePolicy`, here with no batch scaling and one step an epoch).
final class LearningRateScheduleTests: XCTestCase {
    private struct Rates {
        let policy: LearningRatePolicy
        /// Fractional epochs as steps of 1/1000 epoch.
        func learningRate(atEpoch epoch: Double) -> Double { policy.learningRate(atStep: Int((epoch * 1000).rounded())) }
    }

    private func schedule(_ yaml: String, lr: Double = 0.1, epochs: Int = 10) throws -> Rates {
        let text = "name: t\nmodel: [relu]\noptimizer: {lr: \(lr)}\ntrain: {epochs: \(epochs)}\nschedule: \(yaml)\n"
        let config = try PipelineConfig.parse(text: text, path: "s.yaml")
        return Rates(policy: LearningRatePolicy(optimizer: config.optimizer, schedule: config.schedule, epochs: config.train.epochs,
                                                batch: 1000, referenceBatch: config.train.referenceBatch, stepsPerEpoch: 1000))
    }

    func testConstant() throws {
        let s = try schedule("{type: constant}")
        XCTAssertEqual(s.learningRate(atEpoch: 0), 0.1, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 9.5), 0.1, accuracy: 1e-12)
    }

    func testStep() throws {
        let s = try schedule("{type: step, step_epochs: 3, gamma: 0.5}")
        XCTAssertEqual(s.learningRate(atEpoch: 2.99), 0.1, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 3), 0.05, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 7.5), 0.025, accuracy: 1e-12)
    }

    func testMultistep() throws {
        let s = try schedule("{type: multistep, milestones: [2, 5.5], gamma: 0.1}")
        XCTAssertEqual(s.learningRate(atEpoch: 1.9), 0.1, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 2), 0.01, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 5.5), 0.001, accuracy: 1e-12)
    }

    func testCosine() throws {
        let s = try schedule("{type: cosine, min_lr: 0.01}")
        XCTAssertEqual(s.learningRate(atEpoch: 0), 0.1, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 5), 0.055, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 2.5), 0.01 + 0.09 * (1 + cos(Double.pi / 4)) / 2, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 10), 0.01, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 12), 0.01, accuracy: 1e-12)
    }

    func testPiecewise() throws {
        let s = try schedule("{type: piecewise, points: [[0, 0.0], [2, 1.0], [10, 0.0]]}")
        XCTAssertEqual(s.learningRate(atEpoch: 0), 0, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 1), 0.05, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 2), 0.1, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 6), 0.05, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 11), 0, accuracy: 1e-12)
    }

    func testWarmupOnTop() throws {
        let s = try schedule("{type: cosine, warmup_epochs: 2}", lr: 0.2, epochs: 4)
        XCTAssertEqual(s.learningRate(atEpoch: 0), 0, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 1), 0.5 * 0.2 * (1 + cos(Double.pi / 4)) / 2, accuracy: 1e-12)
        XCTAssertEqual(s.learningRate(atEpoch: 2), 0.1, accuracy: 1e-12)
        let constant = try schedule("{warmup_epochs: 0.5}")
        XCTAssertEqual(constant.learningRate(atEpoch: 0.25), 0.05, accuracy: 1e-12)
        XCTAssertEqual(constant.learningRate(atEpoch: 0.5), 0.1, accuracy: 1e-12)
    }
}
