import Layers
import OpenCLRuntime
import XCTest

final class SGDTests: XCTestCase {
    let context = LayerTestDevice.context

    func testStepsMatchReference() throws {
        let cases: [(String, SGDSettings)] = [
            ("plain", SGDSettings(stepSize: 0.1)),
            ("momentum", SGDSettings(stepSize: 0.05, momentum: 0.9)),
            ("nesterov", SGDSettings(stepSize: 0.05, momentum: 0.9, nesterov: true)),
            ("L2", SGDSettings(stepSize: 0.05, momentum: 0.9, weightDecay: 5e-4 * 100)),
            ("nesterov L2", SGDSettings(stepSize: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01)),
            ("decoupled", SGDSettings(stepSize: 0.05, momentum: 0.9, weightDecay: 0.1, decoupledWeightDecay: true)),
        ]
        let update = try SGDUpdate(context: context)
        var random = SeededGenerator(seed: 21)
        for (label, settings) in cases {
            let parameter = try Parameter(context: context, layer: "fc", name: "weight", shape: [7, 13], kind: .weight,
                                          fanIn: 13, fanOut: 7)
            var weight = random.floats(parameter.count)
            var velocity = [Float](repeating: 0, count: parameter.count)
            try parameter.value.write(weight)
            let momentum = try context.buffer(velocity, label: "fc.weight.momentum")
            for step in 0..<5 {
                let gradient = random.floats(parameter.count)
                try parameter.gradient.write(gradient)
                try update.apply(to: parameter, momentum: momentum, settings: settings)
                SGDReference.step(weight: &weight, gradient: gradient, velocity: &velocity, settings: settings)
                assertClose(try parameter.value.read(), weight, tolerance: Parity.update, "\(label) weight after step \(step + 1)")
                assertClose(try momentum.read(), velocity, tolerance: Parity.update, "\(label) momentum after step \(step + 1)")
            }
        }
    }

    /// Hand-computed steps, so the reference itself is held to torch.optim.SGD's rule.
    func testReferenceFollowsPyTorchRule() {
        var w: [Float] = [1], v: [Float] = [0]
        let settings = SGDSettings(stepSize: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0.5)
        SGDReference.step(weight: &w, gradient: [2], velocity: &v, settings: settings)
        XCTAssertEqual(v[0], 2.5, accuracy: 1e-6)            // g + wd*w = 2 + 0.5
        XCTAssertEqual(w[0], 0.75, accuracy: 1e-6)           // 1 - 0.1 * 2.5
        SGDReference.step(weight: &w, gradient: [2], velocity: &v, settings: settings)
        XCTAssertEqual(v[0], 0.9 * 2.5 + 2.375, accuracy: 1e-6)
        XCTAssertEqual(w[0], 0.75 - 0.1 * (0.9 * 2.5 + 2.375), accuracy: 1e-6)

        var wn: [Float] = [1], vn: [Float] = [0]
        SGDReference.step(weight: &wn, gradient: [2], velocity: &vn,
                          settings: SGDSettings(stepSize: 0.1, momentum: 0.9, nesterov: true))
        XCTAssertEqual(wn[0], 1 - 0.1 * (2 + 0.9 * 2), accuracy: 1e-6)

        var wd: [Float] = [1], vd: [Float] = [0]
        SGDReference.step(weight: &wd, gradient: [2], velocity: &vd,
                          settings: SGDSettings(stepSize: 0.1, weightDecay: 0.5, decoupledWeightDecay: true))
        XCTAssertEqual(wd[0], 1 * (1 - 0.05) - 0.1 * 2, accuracy: 1e-6)
    }
}
