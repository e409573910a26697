import Foundation
import XCTest

/// A fault `scripts/fuzz checkpoint` found inside libhdf5 1.10 that Conveyor cannot prevent from
/// outside (docs/testing.md): a link message that fails to decode ("bad version number for
/// message") makes H5G__link_release_table free a name pointer it never set. Under
/// AddressSanitizer (whose allocator fills new memory) that is a crash; with glibc's allocator the
/// pointer has so far always been null and the file is refused. The input is kept in
/// Fuzz/known-faults/ (not in the corpus, which must not crash); this test runs a child conveyor,
/// so that if the fault ever crashes the uninstrumented binary, it fails here and not in a
/// user's hands unnoticed.
final class HDF5KnownFaultTests: XCTestCase {
    static let input = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/known-faults/checkpoint/hdf5-link-table-free-uninitialised.h5")

    func testTheDamagedLinkMessageIsRefused() throws {
        let result = try ConveyorProcess.run(["evaluate", Self.input.path])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("is truncated or corrupt") && result.stderr.contains("bad version number for message"),
                      result.stderr)
    }
}
