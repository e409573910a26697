import Layers
import OpenCLRuntime
import Optimization
import XCTest

/// The per-kind SGD rule, frozen parameters, parameters trained for the first epochs only, and
/// the lookahead synchronisation.
final class MomentumSGDTests: XCTestCase {
    let context = try! ComputeContext(selector: "cpu")

    private func optimizer(_ settings: OptimizerSettings, parameters: [(layer: String, parameter: Parameter)],
                           stepsPerEpoch: Int = 10) throws -> MomentumSGD {
        let policy = LearningRatePolicy(optimizer: settings, schedule: ScheduleSettings(), epochs: 10, batch: 8, referenceBatch: nil,
                                        stepsPerEpoch: stepsPerEpoch)
        return try MomentumSGD(context: context, parameters: parameters, settings: settings, policy: policy)
    }

    private func parameter(_ name: String, kind: ParameterKind, trainable: Bool = true) throws -> Parameter {
        let p = try Parameter(context: context, layer: "l", name: name, shape: [4], kind: kind, fanIn: 1, fanOut: 1, trainable: trainable)
        try p.value.write([1, 2, 3, 4])
        try p.gradient.write([0.5, 0.5, 0.5, 0.5])
        return p
    }

    func testWeightDecayAndLearningRateMultipliersPerKind() throws {
        var settings = OptimizerSettings()
        settings.weightDecay = 0.01
        settings.decayBiases = true
        settings.lrMultipliers.norm = 64
        settings.wdMultipliers.norm = 1.0 / 64
        let sgd = try optimizer(settings, parameters: [])
        let weight = sgd.rule(for: .weight, learningRate: 0.1)
        XCTAssertEqual(weight.stepSize, 0.1, accuracy: 1e-7)
        XCTAssertEqual(weight.weightDecay, 0.01, accuracy: 1e-9)
        let shift = sgd.rule(for: .normShift, learningRate: 0.1)
        XCTAssertEqual(shift.stepSize, 6.4, accuracy: 1e-5)
        XCTAssertEqual(shift.weightDecay, 0.01 / 64, accuracy: 1e-9)
        // The decay per step, stepSize x weightDecay, is the weights' (airbench's decoupling).
        XCTAssertEqual(shift.stepSize * shift.weightDecay, weight.stepSize * weight.weightDecay, accuracy: 1e-9)
        settings.decayBiases = false
        XCTAssertEqual(try optimizer(settings, parameters: []).rule(for: .bias, learningRate: 0.1).weightDecay, 0)
    }

    func testFrozenParametersGetNoMomentumAndNoUpdate() throws {
        let frozen = try parameter("weight", kind: .normScale, trainable: false)
        let shift = try parameter("bias", kind: .normShift)
        let sgd = try optimizer(OptimizerSettings(), parameters: [("bn", frozen), ("bn", shift)])
        XCTAssertEqual(sgd.entries.map(\.parameter.name), ["bias"])
        XCTAssertEqual(MomentumSGD.momentumRequests(for: [("bn", frozen), ("bn", shift)]).count, 1)
        try sgd.step(0)
        XCTAssertEqual(try frozen.value.read(), [1, 2, 3, 4])
        XCTAssertNotEqual(try shift.value.read(), [1, 2, 3, 4])
    }

    func testParameterTrainedForTheFirstEpochsOnly() throws {
        let bias = try parameter("bias", kind: .bias)
        bias.trainableEpochs = 3
        let sgd = try optimizer(OptimizerSettings(), parameters: [("whiten", bias)], stepsPerEpoch: 10)
        try sgd.step(29)   // epoch 2: still trained
        let afterEpoch2 = try bias.value.read()
        XCTAssertNotEqual(afterEpoch2, [1, 2, 3, 4])
        try sgd.step(30)   // epoch 3: frozen from here on
        try sgd.step(55)
        XCTAssertEqual(try bias.value.read(), afterEpoch2)
    }

    func testLookaheadSynchronisationMatchesItsReference() throws {
        let weight = try parameter("weight", kind: .weight)
        var settings = LookaheadSettings()
        settings.every = 5
        settings.decay = 0.8
        settings.power = 2
        let lookahead = try Lookahead(context: context, tensors: [("l", "weight", [4], weight.value)], settings: settings, totalSteps: 100)
        try lookahead.reset()
        try weight.value.write([2, 4, 6, 8])
        XCTAssertTrue(lookahead.synchronises(afterStep: 50, endOfEpoch: false))
        XCTAssertFalse(lookahead.synchronises(afterStep: 51, endOfEpoch: false))
        XCTAssertTrue(lookahead.synchronises(afterStep: 51, endOfEpoch: true))
        try lookahead.synchronise(afterStep: 50)
        var expectedWeight: [Float] = [2, 4, 6, 8], expectedAverage: [Float] = [1, 2, 3, 4]
        LookaheadSync.reference(weight: &expectedWeight, average: &expectedAverage, decay: Float(0.8 * 0.25))
        XCTAssertEqual(try weight.value.read(), expectedWeight)
        XCTAssertEqual(try lookahead.entries[0].average.read(), expectedAverage)
        // The last step leaves the average and sets the weights to it.
        try weight.value.write([9, 9, 9, 9])
        try lookahead.synchronise(afterStep: 100)
        XCTAssertEqual(try weight.value.read(), expectedAverage)
    }
}
