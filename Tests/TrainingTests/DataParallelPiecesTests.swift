import Distributed
import Foundation
import XCTest
@testable import Training

/// The data-parallel pieces of Training against a pretend second rank, in one process: the
/// gradient average over buckets, and the weight checksum that stops diverged ranks.
final class DataParallelPiecesTests: XCTestCase {
    /// Rank 0 of two, where the other rank's values are this rank's plus `otherOffset`, and
    /// what rank 0 broadcasts is this rank's values changed by `rootChange`.
    final class PretendRanks: Communicator {
        var otherOffset: Float = 1
        var rootChange: ((inout [UInt64]) -> Void)?
        var rank: Int { 1 }
        var size: Int { 2 }
        var localRank: Int { 1 }
        func allReduceSum(_ values: inout [Float]) throws { values = values.map { 2 * $0 + otherOffset } }
        func allReduceSum(_ values: inout [Double]) throws { values = values.map { 2 * $0 } }
        func startAllReduceSum(_ values: [Float]) throws -> PendingSum {
            var sums = values
            try allReduceSum(&sums)
            return Done(sums)
        }
        func broadcast(_ values: inout [Float], from root: Int) throws {}
        func broadcast(_ values: inout [UInt64], from root: Int) throws { rootChange?(&values) }
        func barrier() throws {}
        func abort(message: String, code: Int32) -> Never { fatalError(message) }

        final class Done: PendingSum {
            let sums: [Float]
            init(_ sums: [Float]) { self.sums = sums }
            func poll() throws {}
            func wait() throws -> [Float] { sums }
        }
    }

    func testGradientsAreAveragedOverTheRanksInSeveralBuckets() throws {
        let folder = TrainingFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let network = try TrainingFixtures.run(TrainingFixtures.tinyPipeline(folder: folder)).network
        // Buckets of 1 KiB: the conv weights alone fill one, so several all-reduces run.
        let averager = GradientAverager(network: network, communicator: PretendRanks(), bucketBytes: 1024)
        var expected: [[Float]] = []
        for (index, (_, parameter)) in network.parameters.enumerated() where parameter.trainable {
            let values = (0..<parameter.count).map { Float(index) + Float($0 % 7) / 8 }
            try parameter.gradient.write(values)
            // (this rank + the other rank's this + 1) / 2
            expected.append(values.map { $0 + 0.5 })
        }
        for index in network.layers.indices.reversed() { try averager.layerDone(index) }
        try averager.finish()
        let averaged = try network.parameters.filter(\.parameter.trainable).map { try $0.parameter.gradient.read() }
        XCTAssertEqual(averaged, expected)
    }

    func testChecksumStopsRanksWhoseWeightsDiffer() throws {
        let folder = TrainingFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let network = try TrainingFixtures.run(TrainingFixtures.tinyPipeline(folder: folder)).network
        let ranks = PretendRanks()
        let checksum = ReplicaChecksum(network: network, communicator: ranks)
        // Rank 0 holds the same weights: the pretend all-reduce of the mismatch count gives 0.
        XCTAssertNoThrow(try checksum.verify(afterEpoch: 1))
        ranks.rootChange = { $0[2] &+= 1 }
        XCTAssertThrowsError(try checksum.verify(afterEpoch: 3)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("after epoch 3: rank 1 differs from rank 0 in \(checksum.tensors[2].name)"), text)
            XCTAssertTrue(text.contains("resume from the last checkpoint"), text)
        }
    }
}
