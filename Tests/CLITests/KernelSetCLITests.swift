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

    /// `benchmark --kernels --json`: every LCNet050 1×1 shape timed with every supported set against that set's
    /// FMA peak, and the set the network runs per shape marked as `KernelSet.pointwise` decides it
    /// under the set in force (a forced `avx2` marks `avx2` everywhere).
    func testKernelBenchmarkTimesEveryShapeWithEverySupportedSet() throws {
        for forced in ["auto", "avx2"] {
            let r = try tool(["benchmark", "--kernels", "--json"], environment: ["CLASSIFY_EMBED_KERNELS": forced])
            assertExit(r, 0)
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let peaks = try XCTUnwrap(report["fmaPeakGigaflops"] as? [String: Double], r.stdout)
            XCTAssertNotNil(peaks["avx2"], r.stdout)
            for (set, peak) in peaks { XCTAssertTrue(peak.isFinite && peak > 1, "\(set): \(peak)") }
            let rows = try XCTUnwrap(report["rows"] as? [[String: Any]], r.stdout)
            XCTAssertEqual(rows.count, 9 * peaks.count, r.stdout)
            let wide = peaks["avx512"] != nil && forced == "auto"
            var used: [Int: String] = [:]
            for row in rows {
                let shape = try XCTUnwrap(row["shape"] as? [String: Int])
                let inChannels = try XCTUnwrap(shape["inChannels"])
                let set = try XCTUnwrap(row["kernels"] as? String)
                XCTAssertNotNil(peaks[set], "\(row)")
                let percent = try XCTUnwrap(row["percentOfPeak"] as? Double)
                XCTAssertTrue(percent.isFinite && percent > 0, "\(row)")
                XCTAssertGreaterThan(try XCTUnwrap(row["milliseconds"] as? Double), 0)
                if row["usedByNetwork"] as? Bool == true {
                    XCTAssertNil(used[inChannels * 1000 + shape["outChannels"]!], "two sets used for \(shape)")
                    used[inChannels * 1000 + shape["outChannels"]!] = set
                    let long = inChannels >= 128 && shape["outChannels"]! >= 256
                    XCTAssertEqual(set, wide && long ? "avx512" : "avx2", "\(row)")
                }
            }
            XCTAssertEqual(used.count, 9, "one set used per shape: \(used)")
        }
    }
}
