import OpenCLRuntime

/// Gradient buffers shared by liveness (as Caffe's and PyTorch's allocators effectively do).
///
/// Backward through a chain of layers reads layer i's output gradient and writes its input
/// gradient, the output gradient of layer i - 1; after that, layer i's is dead. Only neighbours
/// in a chain are alive together, so a few buffers hold every gradient, and a layer's output and
/// input gradients are never the same buffer. Chains that run one after another (a residual
/// block's body, then its shortcut) share the buffers too.
///
/// The assignment is the cheaper of two: buffers used in turn along each chain (position % 2),
/// and the largest gradients first, each into the first buffer its neighbours do not hold (a
/// small gradient then fits in a large one for free). Each buffer is as large as the largest
/// gradient it holds. The values a layer's backward reads (its input and output) stay apart;
/// only gradients share.
public struct GradientSharing: Sendable, Equatable {
    /// Element count of each shared buffer.
    public let bufferCounts: [Int]
    /// The buffer of each gradient, per chain, in the order the chains were given.
    public let buffers: [[Int]]

    /// `chains`: the element counts of the gradients of each chain, a layer's output gradient
    /// beside its input gradient.
    public init(chains: [[Int]]) {
        let alternating = Self.assign(chains, order: Self.positions(chains)) { _, position, _ in [position % 2] }
        let largestFirst = Self.assign(chains, order: Self.positions(chains).sorted {
            ($0.count, $1.chain, $1.position) > ($1.count, $0.chain, $0.position)
        }) { _, _, open in
            Array(0..<open) + [open]
        }
        let best = [alternating, largestFirst].min { $0.bufferCounts.reduce(0, +) < $1.bufferCounts.reduce(0, +) }!
        bufferCounts = best.bufferCounts
        buffers = best.buffers
    }

    private init(bufferCounts: [Int], buffers: [[Int]]) {
        self.bufferCounts = bufferCounts
        self.buffers = buffers
    }

    private static func positions(_ chains: [[Int]]) -> [(chain: Int, position: Int, count: Int)] {
        chains.enumerated().flatMap { chain, counts in counts.enumerated().map { (chain, $0, $1) } }
    }

    /// Places the gradients in `order`, each into the first of `candidates(chain, position, buffers open)`
    /// that neither neighbour holds (an index past the open buffers opens one).
    private static func assign(_ chains: [[Int]], order: [(chain: Int, position: Int, count: Int)],
                               candidates: (Int, Int, Int) -> [Int]) -> GradientSharing {
        var buffers = chains.map { [Int?](repeating: nil, count: $0.count) }
        var counts: [Int] = []
        for (chain, position, count) in order {
            let neighbours = [position - 1, position + 1].filter { buffers[chain].indices.contains($0) }.compactMap { buffers[chain][$0] }
            let buffer = candidates(chain, position, counts.count).first { !neighbours.contains($0) }!
            while counts.count <= buffer { counts.append(0) }
            counts[buffer] = max(counts[buffer], count)
            buffers[chain][position] = buffer
        }
        return GradientSharing(bufferCounts: counts, buffers: buffers.map { $0.map { $0! } })
    }

    /// The requests for the shared buffers, labelled `prefix.gradient.a`, `.b`, ...
    public func requests(label prefix: String) -> [BufferRequest] {
        bufferCounts.enumerated().map { BufferRequest(Float.self, count: $1, label: "\(prefix).gradient.\(Self.name(ofBuffer: $0))") }
    }

    /// The letter of a shared buffer in labels and the plan: a, b, c, ...
    public static func name(ofBuffer index: Int) -> String { String(UnicodeScalar(UInt8(97 + index % 26))) }
}
