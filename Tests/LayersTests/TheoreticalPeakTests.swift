import Layers
import XCTest

/// The paper peak of `bench`: cores x FMA units x lanes x 2 x clock from /proc/cpuinfo text.
final class TheoreticalPeakTests: XCTestCase {
    func cpuinfo(vendor: String, flags: String, mhz: String = "2299.998") -> String {
        """
        processor\t: 0
        vendor_id\t: \(vendor)
        model name\t: Test CPU
        cpu MHz\t\t: \(mhz)
        flags\t\t: fpu sse sse2 \(flags)

        """
    }

    func testIntelAVX512CountsTwoFMAUnitsOf16Lanes() throws {
        let peak = try XCTUnwrap(TheoreticalPeak.fromCPUInfo(cpuinfo(vendor: "GenuineIntel", flags: "fma avx2 avx512f"), cores: 2))
        XCTAssertEqual(peak.lanes, 16)
        XCTAssertEqual(peak.fmaUnits, 2)
        XCTAssertEqual(peak.gflops, 2 * 2 * 16 * 2 * 2.299998, accuracy: 1e-6)
        XCTAssertTrue(peak.formula.hasPrefix("2 cores x 2 FMA units x 16 lanes x 2 flops x 2.30 GHz = 294.4 GFLOP/s"), peak.formula)
        XCTAssertTrue(peak.basis.contains("Test CPU"), peak.basis)
    }

    func testAMDAVX512AndAVX2AndSSE() throws {
        let zen4 = try XCTUnwrap(TheoreticalPeak.fromCPUInfo(cpuinfo(vendor: "AuthenticAMD", flags: "fma avx2 avx512f"), cores: 4))
        XCTAssertEqual(zen4.fmaUnits * zen4.lanes, 16)
        let avx2 = try XCTUnwrap(TheoreticalPeak.fromCPUInfo(cpuinfo(vendor: "GenuineIntel", flags: "fma avx2"), cores: 1))
        XCTAssertEqual(avx2.fmaUnits * avx2.lanes, 16)
        let sse = try XCTUnwrap(TheoreticalPeak.fromCPUInfo(cpuinfo(vendor: "GenuineIntel", flags: ""), cores: 1))
        XCTAssertEqual(sse.fmaUnits * sse.lanes, 4)
    }

    func testNoClockNoPeak() {
        XCTAssertNil(TheoreticalPeak.fromCPUInfo("vendor_id\t: GenuineIntel\nflags\t: avx512f\n", cores: 2))
    }
}
