import Foundation
import TestSupport
import XCTest

/// Progress on standard error for `predict` and `evaluate`: never in a script (standard error not a
/// terminal) unless `CLASSIFY_EMBED_PROGRESS=always` forces it, as here.
final class ProgressCLITests: XCTestCase {
    func testPredictShowsProgressOnlyWhenAsked() throws {
        let quiet = try tool(["Data/samples", "--json"])
        assertExit(quiet, 0)
        XCTAssertTrue(quiet.stderr.isEmpty, "no progress when standard error is no terminal: \(quiet.stderr)")

        let r = try tool(["Data/samples", "--json"], environment: ["CLASSIFY_EMBED_PROGRESS": "always"])
        assertExit(r, 0)
        let last = try XCTUnwrap(r.stderr.split(separator: "\n").last.map(String.init), r.stderr)
        XCTAssertTrue(
            last.range(of: #"^predict: 12/12 images, \d+ img/s, ETA 0:00$"#, options: .regularExpression) != nil, last)
        XCTAssertEqual(try decodeLines(PredictionLine.self, r).count, 12, "stdout stays clean")

        let never = try tool(["Data/samples"], environment: ["CLASSIFY_EMBED_PROGRESS": "never"])
        XCTAssertTrue(never.stderr.isEmpty, never.stderr)
    }

    func testEvaluateShowsProgressWhenAsked() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try EvaluateCLITests.makeSplit(in: temp)
        let args = ["evaluate", "--split", csv.path, "--head", "classification", "--out", temp.file("eval").path]
        let quiet = try tool(args)
        assertExit(quiet, 0)
        XCTAssertFalse(quiet.stderr.contains("img/s"), quiet.stderr)
        let r = try tool(args + ["--tta"], environment: ["CLASSIFY_EMBED_PROGRESS": "always"])
        assertExit(r, 0)
        XCTAssertTrue(r.stderr.contains("evaluate: 12/12 images, "), r.stderr)
        XCTAssertTrue(r.stderr.contains("evaluate (TTA): 12/12 images, "), r.stderr)
        XCTAssertTrue(r.stderr.contains(" img/s, ETA "), r.stderr)
    }

    func testMatchNamesItselfOnTheProgressLine() throws {
        let temp = try TemporaryDirectory()
        let gallery = temp.file("g.sqlite").path
        assertExit(try tool(["register", "Data/samples", "--gallery", gallery]), 0)
        let r = try tool(
            ["match", "Data/samples", "--gallery", gallery, "--threshold", "0.5"],
            environment: ["CLASSIFY_EMBED_PROGRESS": "always"])
        assertExit(r, 0)
        XCTAssertTrue(r.stderr.contains("match: 12/12 images, "), r.stderr)
        XCTAssertFalse(r.stderr.contains("predict:"), r.stderr)
    }
}
