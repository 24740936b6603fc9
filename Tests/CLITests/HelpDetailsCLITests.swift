import Foundation
import TestSupport
import XCTest

/// Help texts that must agree with what the commands do.
final class HelpDetailsCLITests: XCTestCase {
    /// `make-dataset --help` shows no developer's temporary folder: `--sources` has no default and is required.
    func testMakeDatasetSourcesIsRequired() throws {
        let help = try tool(["make-dataset", "--help"])
        assertExit(help, 0)
        XCTAssertFalse(help.stdout.contains("/tmp/"), help.stdout)
        XCTAssertFalse(help.stdout.contains("ce-work"), help.stdout)
        XCTAssertTrue(help.stdout.contains("USAGE: classify-and-embed make-dataset --sources <sources>"), help.stdout)
        let missing = try tool(["make-dataset", "--out", "unused"])
        assertExit(missing, 64)
        XCTAssertTrue(missing.stderr.contains("--sources"), missing.stderr)
        XCTAssertTrue(help.stdout.contains("--shift-factors"), help.stdout)
        let unknown = try tool(["make-dataset", "--sources", "unused", "--shift-factors", "light,sky"])
        assertExit(unknown, 64)
        XCTAssertTrue(unknown.stderr.contains("'sky'") && unknown.stderr.contains("framing"), unknown.stderr)
    }

    /// `match --help` describes the lines `match` prints: the class line and the match line, or "no match"
    /// with the best template; each documented shape is checked against a real run.
    func testMatchHelpDescribesItsOutput() throws {
        let help = try tool(["match", "--help"])
        assertExit(help, 0)
        let text = help.stdout.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        for shape in [
            "PATH: CLASS (NAME P, …)", "match: LABEL similarity S ≥ threshold T (FPR F)",
            "no match (best LABEL, similarity S < threshold T (FPR F))", "no match (the gallery is empty)",
        ] {
            XCTAssertTrue(text.contains(shape), "\(shape) not in: \(text)")
        }

        let temp = try TemporaryDirectory()
        let gallery = temp.file("g.sqlite")
        try temp.copy(Tool.samples.appendingPathComponent("screen_1.jpg"), to: "templates/screen_1.jpg")
        assertExit(try tool(["register", temp.file("templates").path, "--gallery", gallery.path]), 0)
        let found = try tool(["match", "Data/samples/screen_1.jpg", "--gallery", gallery.path])
        assertExit(found, 0)
        XCTAssertEqual(found.stdoutLines.count, 2, found.stdout)
        XCTAssertTrue(found.stdoutLines[0].hasPrefix("Data/samples/screen_1.jpg: screen (document 0."), found.stdout)
        XCTAssertTrue(
            found.stdoutLines[1].range(
                of: #"^  match: screen_1  similarity 1\.0000 ≥ threshold -?\d\.\d{4} \(FPR 0\.01\)$"#,
                options: .regularExpression) != nil, found.stdout)
        let missed = try tool([
            "match", "Data/samples/document_1.jpg", "--gallery", gallery.path, "--threshold", "0.99",
        ])
        assertExit(missed, 0)
        XCTAssertTrue(
            missed.stdoutLines.last?.range(
                of: #"^  no match \(best screen_1, similarity -?\d\.\d{4} < threshold 0\.9900\)$"#,
                options: .regularExpression) != nil, missed.stdout)
    }
}
