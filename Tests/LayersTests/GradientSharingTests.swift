import Layers
import XCTest

final class GradientSharingTests: XCTestCase {
    /// Neighbours in a chain (a layer's output and input gradients) never share a buffer, every
    /// buffer holds its largest gradient, and sharing never costs more than two buffers in turn.
    func assertValid(_ chains: [[Int]], file: StaticString = #filePath, line: UInt = #line) {
        let sharing = GradientSharing(chains: chains)
        XCTAssertEqual(sharing.buffers.map(\.count), chains.map(\.count), file: file, line: line)
        for (chain, buffers) in zip(chains, sharing.buffers) {
            for position in chain.indices {
                XCTAssertGreaterThanOrEqual(sharing.bufferCounts[buffers[position]], chain[position], file: file, line: line)
                if position > 0 {
                    XCTAssertNotEqual(buffers[position], buffers[position - 1], "\(chains): neighbours share", file: file, line: line)
                }
            }
        }
        let alternating = (0..<2).map { parity in chains.flatMap { $0.enumerated().filter { $0.offset % 2 == parity }.map(\.element) }.max() ?? 0 }
        XCTAssertLessThanOrEqual(sharing.bufferCounts.reduce(0, +), alternating.reduce(0, +), file: file, line: line)
        XCTAssertLessThanOrEqual(sharing.bufferCounts.count, 3, file: file, line: line)
    }

    func testNeighboursNeverShareABuffer() {
        var state: UInt64 = 12345
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % 1000 + 1
        }
        assertValid([[7]])
        assertValid([[7, 3]])
        assertValid([[], [5, 9, 2]])
        for length in 1...12 {
            assertValid([(0..<length).map { _ in next() }])
            assertValid([(0..<length).map { _ in next() }, (0..<(length / 2)).map { _ in next() }])
        }
    }

    /// airbench94's values per image (cifar10-fast.yaml): the two 65536-value convolution
    /// outputs take one buffer, the whitening and GELU before the first another, the rest fit.
    func testCifar10FastNeedsThreeBuffers() {
        let perImage = [24576, 24576, 65536] + Array(repeating: 16384, count: 6) + [65536]
            + Array(repeating: 16384, count: 7) + Array(repeating: 4096, count: 6) + [256, 10]
        assertValid([perImage])
        let sharing = GradientSharing(chains: [perImage])
        XCTAssertEqual(sharing.bufferCounts, [65536, 24576, 16384])
        XCTAssertLessThan(sharing.bufferCounts.reduce(0, +), perImage.reduce(0, +) / 3)
    }

    func testRequestsNameEachBuffer() {
        let requests = GradientSharing(chains: [[8, 4, 8]]).requests(label: "network")
        XCTAssertEqual(requests.map(\.label), ["network.gradient.a", "network.gradient.b"])
        XCTAssertEqual(requests.map(\.count), [8, 4])
    }
}
