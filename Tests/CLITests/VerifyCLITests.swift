import Foundation
import TestSupport
import XCTest

/// `classify-and-embed verify A B`: cosine similarity, same/different (exit 0 / 2), thresholds from the
/// model's stored TPR@FPR table or `--threshold`.
final class VerifyCLITests: XCTestCase {
    struct VerifyLine: Decodable {
        var first: String
        var second: String
        var similarity: Double
        var threshold: Double
        var fpr: Double?
        var tpr: Double?
        var same: Bool
    }

    func verify(
        _ arguments: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws -> (
        ProcessResult, VerifyLine?
    ) {
        let r = try tool(["verify"] + arguments + ["--json"], file: file, line: line)
        let decoded = try? JSONDecoder().decode(VerifyLine.self, from: Data(r.stdout.utf8))
        return (r, decoded)
    }

    /// An image against itself: similarity 1, "same", exit 0, at the default FPR level 1e-2.
    func testImageAgainstItselfIsSame() throws {
        let text = try tool(["verify", "Data/samples/screen_1.jpg", "Data/samples/screen_1.jpg"])
        assertExit(text, 0)
        XCTAssertTrue(text.stdout.contains("SAME template"), text.stdout)
        XCTAssertTrue(text.stdout.hasPrefix("similarity 1.0000, threshold "), text.stdout)
        XCTAssertTrue(text.stdout.contains(" at FPR 0.01 "), text.stdout)

        let (r, v) = try verify(["Data/samples/screen_1.jpg", "Data/samples/screen_1.jpg"])
        assertExit(r, 0)
        let out = try XCTUnwrap(v, r.stdout)
        XCTAssertEqual(out.first, "Data/samples/screen_1.jpg")
        XCTAssertEqual(out.second, "Data/samples/screen_1.jpg")
        XCTAssertEqual(out.similarity, 1, accuracy: 1e-4)
        XCTAssertTrue(out.same)
        let level = try XCTUnwrap(StoredThreshold.table(of: Tool.shippedModel).first { $0.fprTarget == 1e-2 })
        XCTAssertEqual(out.fpr, 1e-2)
        XCTAssertEqual(out.threshold, level.threshold, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(out.tpr), level.tpr, accuracy: 1e-9)
    }

    /// Samples of different classes with `--threshold 0.99`: "different", exit 2, no FPR level in the output.
    func testDifferentClassesWithHandThreshold() throws {
        let text = try tool([
            "verify", "Data/samples/screen_1.jpg", "Data/samples/document_1.jpg", "--threshold", "0.99",
        ])
        assertExit(text, 2)
        XCTAssertTrue(text.stdout.contains("DIFFERENT templates"), text.stdout)
        XCTAssertTrue(text.stdout.contains("threshold 0.9900:"), text.stdout)

        let (r, v) = try verify(["Data/samples/screen_1.jpg", "Data/samples/document_1.jpg", "--threshold", "0.99"])
        assertExit(r, 2)
        let out = try XCTUnwrap(v, r.stdout)
        XCTAssertFalse(out.same)
        XCTAssertEqual(out.threshold, 0.99, accuracy: 1e-6)
        XCTAssertLessThan(out.similarity, 0.99)
        XCTAssertGreaterThanOrEqual(out.similarity, -1)
        XCTAssertNil(out.fpr, "a hand threshold has no FPR level")
        XCTAssertNil(out.tpr)
        XCTAssertFalse(r.stdout.contains("\"fpr\""), r.stdout)
    }

    /// `--fpr f` takes the stored level with the largest FPR ≤ f from the model's table, and the decision
    /// (exit status) follows similarity ≥ threshold.
    func testFPRLevelsComeFromTheModelsTable() throws {
        let table = try StoredThreshold.table(of: Tool.shippedModel)
        XCTAssertGreaterThanOrEqual(table.count, 3, "the shipped model stores a threshold table")
        // The exact levels, and 0.05, which must fall back to the 0.01 level.
        for (asked, expected) in [(1e-4, 1e-4), (1e-3, 1e-3), (0.1, 0.1), (0.05, 1e-2)] {
            let level = try XCTUnwrap(table.first { $0.fprTarget == expected }, "level \(expected)")
            let (r, v) = try verify(["Data/samples/screen_1.jpg", "Data/samples/screen_2.jpg", "--fpr", "\(asked)"])
            let out = try XCTUnwrap(v, "--fpr \(asked): \(r)")
            XCTAssertEqual(out.fpr, expected, "--fpr \(asked)")
            XCTAssertEqual(out.threshold, level.threshold, accuracy: 1e-6, "--fpr \(asked)")
            XCTAssertEqual(try XCTUnwrap(out.tpr), level.tpr, accuracy: 1e-9, "--fpr \(asked)")
            XCTAssertEqual(out.same, out.similarity >= out.threshold, "--fpr \(asked)")
            assertExit(r, out.same ? 0 : 2)
        }
        let smallest = try XCTUnwrap(table.map(\.fprTarget).min())
        let (r, _) = try verify(["Data/samples/screen_1.jpg", "Data/samples/screen_2.jpg", "--fpr", "\(smallest / 10)"])
        assertExit(r, 1)
        XCTAssertTrue(r.stderr.contains("no stored threshold at FPR"), r.stderr)
    }

    /// A missing image is an error (exit 1) naming the file, not a "different" verdict.
    func testMissingImageIsAnError() throws {
        let r = try tool(["verify", "Data/samples/screen_1.jpg", "Data/samples/no_such_image.jpg"])
        assertExit(r, 1)
        XCTAssertTrue(r.stderr.contains("no_such_image.jpg"), r.stderr)
    }
}
