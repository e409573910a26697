/// CPU reference for batch normalisation over channels, accumulating in Double.
public enum BatchNormReference {
    public struct Statistics {
        public var mean: [Float]
        /// Biased variance (divided by N*H*W).
        public var variance: [Float]
        public var invstd: [Float]
    }

    /// Per-channel mean, biased variance and 1/sqrt(var + eps) of x (N, C, H, W).
    public static func statistics(_ x: [Float], batch: Int, shape: Shape, epsilon: Float) -> Statistics {
        let plane = shape.height * shape.width, count = Double(batch * plane)
        var result = Statistics(mean: [], variance: [], invstd: [])
        for c in 0..<shape.channels {
            var sum = 0.0
            for n in 0..<batch { for s in 0..<plane { sum += Double(x[(n * shape.channels + c) * plane + s]) } }
            let mean = sum / count
            var squares = 0.0
            for n in 0..<batch { for s in 0..<plane { let d = Double(x[(n * shape.channels + c) * plane + s]) - mean; squares += d * d } }
            let variance = squares / count
            result.mean.append(Float(mean))
            result.variance.append(Float(variance))
            result.invstd.append(Float(1 / (variance + Double(epsilon)).squareRoot()))
        }
        return result
    }

    /// 1/sqrt(var + eps) of the running variance, as evaluation normalises with it.
    public static func invstd(variance: [Float], epsilon: Float) -> [Float] {
        variance.map { 1 / ($0 + epsilon).squareRoot() }
    }

    /// running = (1 - momentum) * running + momentum * batch, with the unbiased batch variance.
    public static func updateRunning(mean runningMean: inout [Float], variance runningVar: inout [Float],
                                     statistics: Statistics, count: Int, momentum: Float) {
        for c in runningMean.indices {
            let unbiased = Double(statistics.variance[c]) * Double(count) / Double(count - 1)
            runningMean[c] = Float((1 - Double(momentum)) * Double(runningMean[c]) + Double(momentum) * Double(statistics.mean[c]))
            runningVar[c] = Float((1 - Double(momentum)) * Double(runningVar[c]) + Double(momentum) * unbiased)
        }
    }

    /// y = (x - mean) * invstd * gamma + beta; gamma and beta nil mean 1 and 0.
    public static func normalise(_ x: [Float], batch: Int, shape: Shape, mean: [Float], invstd: [Float],
                                 gamma: [Float]?, beta: [Float]?) -> [Float] {
        let plane = shape.height * shape.width
        return x.indices.map { i in
            let c = (i / plane) % shape.channels
            let normalised = (Double(x[i]) - Double(mean[c])) * Double(invstd[c])
            return Float(normalised * Double(gamma?[c] ?? 1) + Double(beta?[c] ?? 0))
        }
    }

    /// Training forward: statistics from the batch.
    public static func forwardTraining(_ x: [Float], batch: Int, shape: Shape, gamma: [Float]?, beta: [Float]?,
                                       epsilon: Float) -> [Float] {
        let stats = statistics(x, batch: batch, shape: shape, epsilon: epsilon)
        return normalise(x, batch: batch, shape: shape, mean: stats.mean, invstd: stats.invstd, gamma: gamma, beta: beta)
    }

    /// Input, gamma and beta gradients. Training: through the batch statistics,
    /// dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)); evaluation: dx = gamma * invstd * dy.
    public static func backward(_ x: [Float], outputGradient dy: [Float], batch: Int, shape: Shape, gamma: [Float]?,
                                mean: [Float], invstd: [Float], training: Bool) -> (dx: [Float], dgamma: [Float], dbeta: [Float]) {
        let plane = shape.height * shape.width, count = Double(batch * plane)
        var sumDy = [Double](repeating: 0, count: shape.channels), sumDyXhat = sumDy
        for i in x.indices {
            let c = (i / plane) % shape.channels
            sumDy[c] += Double(dy[i])
            sumDyXhat[c] += Double(dy[i]) * (Double(x[i]) - Double(mean[c])) * Double(invstd[c])
        }
        let dx: [Float] = x.indices.map { i in
            let c = (i / plane) % shape.channels
            let scale = Double(gamma?[c] ?? 1) * Double(invstd[c])
            guard training else { return Float(scale * Double(dy[i])) }
            let xhat = (Double(x[i]) - Double(mean[c])) * Double(invstd[c])
            return Float(scale * (Double(dy[i]) - sumDy[c] / count - xhat * sumDyXhat[c] / count))
        }
        return (dx, sumDyXhat.map { Float($0) }, sumDy.map { Float($0) })
    }
}
