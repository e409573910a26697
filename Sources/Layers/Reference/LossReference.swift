import Foundation

/// CPU references for the losses: per-sample loss, correct flag (first arg-max == label) and the
/// gradient of the mean loss over the batch.
public enum LossReference {
    public struct Result {
        public var losses: [Float]
        public var correct: [Int32]
        public var gradient: [Float]
    }

    static func firstArgmax(_ row: ArraySlice<Float>) -> Int {
        var best = row.startIndex
        for j in row.indices where row[j] > row[best] { best = j }
        return best - row.startIndex
    }

    public static func softmaxCrossEntropy(scores: [Float], labels: [Int32], classes: Int, labelSmoothing: Float) -> Result {
        let batch = labels.count
        var result = Result(losses: [], correct: [], gradient: [Float](repeating: 0, count: scores.count))
        let eps = Double(labelSmoothing), k = Double(classes)
        for n in 0..<batch {
            let row = scores[(n * classes)..<((n + 1) * classes)]
            let y = Int(labels[n])
            let top = Double(row.max()!)
            let lse = top + log(row.reduce(0.0) { $0 + exp(Double($1) - top) })
            var loss = 0.0
            for j in 0..<classes {
                let target = (j == y ? 1 - eps : 0) + eps / k
                let logp = Double(row[n * classes + j]) - lse
                loss -= target * logp
                result.gradient[n * classes + j] = Float((exp(logp) - target) / Double(batch))
            }
            result.losses.append(Float(loss))
            result.correct.append(firstArgmax(row) == y ? 1 : 0)
        }
        return result
    }

    public static func multiclassSVM(scores: [Float], labels: [Int32], classes: Int, margin: Float) -> Result {
        let batch = labels.count
        var result = Result(losses: [], correct: [], gradient: [Float](repeating: 0, count: scores.count))
        for n in 0..<batch {
            let row = scores[(n * classes)..<((n + 1) * classes)]
            let y = Int(labels[n])
            let target = Double(row[n * classes + y])
            var loss = 0.0, active = 0
            for j in 0..<classes where j != y {
                let m = Double(row[n * classes + j]) - target + Double(margin)
                if m > 0 {
                    loss += m
                    active += 1
                    result.gradient[n * classes + j] = 1 / Float(batch)
                }
            }
            result.gradient[n * classes + y] = -Float(active) / Float(batch)
            result.losses.append(Float(loss))
            result.correct.append(firstArgmax(row) == y ? 1 : 0)
        }
        return result
    }
}
