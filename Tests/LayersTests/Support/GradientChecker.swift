import Hashing
import XCTest
import Layers

/// Central-difference gradient checks for the CPU references (in the manner of Caffe's checker).
///
/// The scalar checked is L = sum_i w_i * y_i(x) with fixed random weights w, so every output
/// contributes. For each input coordinate x_j the numerical gradient is
/// (L(x + h e_j) - L(x - h e_j)) / 2h, accumulated in Double. A point sits on a kink (ReLU at 0,
/// a max that changes its winner) when the forward and backward one-sided slopes disagree by
/// more than `kinkMargin`; such points are skipped and counted.
struct GradientChecker {
    var step: Double = 1e-2
    var threshold: Double = 1e-2
    var kinkMargin: Double = 0.05

    struct Report: CustomStringConvertible {
        var maxRelativeError = 0.0
        var worstIndex = -1
        var checked = 0
        var skippedKinks = 0
        var description: String {
            "max relative error \(String(format: "%.2e", maxRelativeError)) at \(worstIndex) over \(checked) points (\(skippedKinks) kinks skipped)"
        }
    }

    /// Checks `analytic` (dL/dx for the weights given) against numerical differences of `forward`.
    /// `x` is the point; `forward` must not keep state between calls.
    func check(x: [Float], weights: [Float], analytic: [Float], indices: [Int]? = nil,
               forward: ([Float]) -> [Float]) -> Report {
        var report = Report()
        func loss(_ input: [Float]) -> Double {
            let y = forward(input)
            precondition(y.count == weights.count, "weights must match the output size")
            var sum = 0.0
            for i in y.indices { sum += Double(y[i]) * Double(weights[i]) }
            return sum
        }
        let base = loss(x)
        for j in indices ?? Array(x.indices) {
            var plus = x, minus = x
            plus[j] += Float(step)
            minus[j] -= Float(step)
            let hPlus = Double(plus[j] - x[j]), hMinus = Double(x[j] - minus[j])
            let lPlus = loss(plus), lMinus = loss(minus)
            let forwardSlope = (lPlus - base) / hPlus
            let backwardSlope = (base - lMinus) / hMinus
            let numeric = (lPlus - lMinus) / (hPlus + hMinus)
            let scale = max(abs(forwardSlope), abs(backwardSlope), 1)
            if abs(forwardSlope - backwardSlope) > kinkMargin * scale {
                report.skippedKinks += 1
                continue
            }
            let error = abs(numeric - Double(analytic[j])) / max(abs(numeric), abs(Double(analytic[j])), 1)
            report.checked += 1
            if error > report.maxRelativeError {
                report.maxRelativeError = error
                report.worstIndex = j
            }
        }
        return report
    }

    /// Asserts the report is under the threshold and that enough points were checked.
    func assertPasses(_ report: Report, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        print("gradient check \(what): \(report)")
        XCTAssertGreaterThan(report.checked, 0, "\(what): every point was a kink", file: file, line: line)
        XCTAssertLessThan(report.maxRelativeError, threshold, "\(what): \(report)", file: file, line: line)
    }
}

/// A seeded generator so every random test configuration can be reproduced.
struct SeededGenerator: RandomNumberGenerator {
    private var stream: SplitMix64
    init(seed: UInt64) { stream = SplitMix64(seed: seed &+ SplitMix64.increment) }
    mutating func next() -> UInt64 { stream.next() }

    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}

/// Element-wise comparison of a kernel's result with its reference: |a - b| <= tolerance * (|b| + scale),
/// where scale is the reference's mean magnitude (so values near zero in a large sum are not held to
/// a relative bound they cannot meet in float32).
func assertClose(_ actual: [Float], _ expected: [Float], tolerance: Float = Parity.standard, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(what): sizes differ", file: file, line: line)
    guard actual.count == expected.count, !expected.isEmpty else { return }
    let worst = Parity.worst(actual, expected)
    XCTAssertLessThanOrEqual(worst.error, tolerance,
                             "\(what): element \(worst.index) is \(actual[worst.index]), expected \(expected[worst.index])",
                             file: file, line: line)
}
