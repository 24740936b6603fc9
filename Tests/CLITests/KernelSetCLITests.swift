import Foundation
import TestSupport
import XCTest

/// `CLASSIFY_EMBED_KERNELS`: the same binary forced onto each kernel set gives the same predictions, and a
/// value it cannot honour stops it with a message.
final class KernelSetCLITests: XCTestCase {
    /// The AVX-512 kernels sum each output in the same order as the AVX2 ones (one FMA per input channel, lane
    /// by lane), so forcing either set must give byte-identical output, embeddings included.
    func testEverySupportedSetGivesTheSamePredictions() throws {
        let arguments = ["predict", "Data/samples", "--format", "jsonl", "--embedding", "full"]
        let baseline = try tool(arguments, environment: ["CLASSIFY_EMBED_KERNELS": "avx2"])
        assertExit(baseline, 0)
        XCTAssertEqual(baseline.stdout.split(separator: "\n").count, 12, baseline.stdout)
        let automatic = try tool(arguments, environment: ["CLASSIFY_EMBED_KERNELS": "auto"])
        assertExit(automatic, 0)
        XCTAssertEqual(automatic.stdout, baseline.stdout)
        let wide = try tool(arguments, environment: ["CLASSIFY_EMBED_KERNELS": "avx512"])
        if wide.status == 0 {
            XCTAssertEqual(wide.stdout, baseline.stdout)
        } else {
            // An AVX2-only machine refuses the set by name instead of crashing on an illegal instruction.
            assertExit(wide, 64)
            XCTAssertTrue(wide.stderr.contains("cannot run the avx512 kernels"), wide.stderr)
        }
    }

    func testUnknownSetIsRefused() throws {
        let r = try tool(["predict", "Data/samples/screen_1.jpg"], environment: ["CLASSIFY_EMBED_KERNELS": "sse2"])
        assertExit(r, 64)
        XCTAssertTrue(r.stderr.contains("CLASSIFY_EMBED_KERNELS=sse2 is not a kernel set"), r.stderr)
        XCTAssertEqual(r.stdout, "")
    }

    /// `benchmark --inference --json` names the set it ran.
    func testBenchmarkNamesTheSet() throws {
        let r = try tool(
            ["benchmark", "--inference", "--json", "--latency-runs", "2"],
            environment: ["CLASSIFY_EMBED_KERNELS": "avx2"])
        assertExit(r, 0)
        XCTAssertTrue(r.stdout.contains("\"kernels\" : \"avx2\""), r.stdout)
    }
}
