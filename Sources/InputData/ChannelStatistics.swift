import Dispatch

/// Per-channel mean and standard deviation of a data set's pixels, on the 0...1 scale.
public struct ChannelStatistics: Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Measures `source` in parallel chunks with exact integer sums, so the result does not
    /// depend on the number of threads.
    public static func measure(_ source: any DataSource, threads: Int = 2) -> ChannelStatistics {
        let count = source.count
        guard count > 0 else { return ChannelStatistics(mean: [0, 0, 0], std: [1, 1, 1]) }
        let chunks = max(1, min(count, threads * 4))
        let size = source.imageSize
        var partial = [UInt64](repeating: 0, count: chunks * 6)
        partial.withUnsafeMutableBufferPointer { sums in
            let sums = sums.baseAddress!
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: size.pixelsPerImage)
                defer { pixels.deallocate() }
                var local = [UInt64](repeating: 0, count: 6)
                for index in (count * chunk / chunks)..<(count * (chunk + 1) / chunks) {
                    source.copyPixels(at: index, into: pixels)
                    for c in 0..<3 {
                        // 64 bits: a plane of squares overflows 32 above 256x256 pixels.
                        var sum: UInt64 = 0, squares: UInt64 = 0
                        for i in 0..<size.planeSize {
                            let v = UInt64(pixels[c * size.planeSize + i])
                            sum &+= v
                            squares &+= v &* v
                        }
                        local[c] &+= sum
                        local[3 + c] &+= squares
                    }
                }
                for k in 0..<6 { (sums + chunk * 6 + k).pointee = local[k] }
            }
        }
        var mean = [Float](), std = [Float]()
        let n = Double(count * size.planeSize)
        for c in 0..<3 {
            let sum = (0..<chunks).reduce(0.0) { $0 + Double(partial[$1 * 6 + c]) }
            let squares = (0..<chunks).reduce(0.0) { $0 + Double(partial[$1 * 6 + 3 + c]) }
            let m = sum / n
            let variance = max(squares / n - m * m, 1e-6)
            mean.append(Float(m / 255))
            std.append(Float(variance.squareRoot() / 255))
        }
        return ChannelStatistics(mean: mean, std: std)
    }
}
