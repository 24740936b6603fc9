import Foundation
import TestSupport
import XCTest

/// `predict --format text|jsonl|csv` and `--output FILE`.
final class PredictOutputCLITests: XCTestCase {
    /// `--format jsonl` is `--json`; `--format text` is the default.
    func testFormatsAgreeWithTheOldFlags() throws {
        let json = try tool(["Data/samples", "--json"])
        let jsonl = try tool(["Data/samples", "--format", "jsonl"])
        assertExit(jsonl, 0)
        XCTAssertEqual(jsonl.stdout, json.stdout)
        let text = try tool(["Data/samples", "--format", "text"])
        assertExit(text, 0)
        XCTAssertEqual(text.stdout, try tool(["Data/samples"]).stdout)
        let both = try tool(["Data/samples", "--json", "--format", "csv"])
        assertExit(both, 64)
        XCTAssertTrue(both.stderr.contains("--json means --format jsonl"), both.stderr)
    }

    /// CSV: a header, then one row per image in input order with the same class and probabilities as the
    /// JSON lines; a file name with a comma and quotes is quoted as RFC 4180 says; a failed image is a row
    /// with ok=false and its error.
    func testCSVRowsMatchJSON() throws {
        let temp = try TemporaryDirectory()
        let odd = try temp.copy(Tool.samples.appendingPathComponent("document_2.jpg"), to: "a, \"b\".jpg")
        let bad = try temp.write("not an image", to: "bad.png")
        let args = ["Data/samples/screen_1.jpg", odd.path, bad.path]
        let r = try tool(args + ["--format", "csv"])
        assertExit(r, 1)
        let records = try CSVReader.records(r.stdout)
        let json = try decodeLines(PredictionLine.self, try tool(args + ["--json"]))
        let header = try XCTUnwrap(records.first)
        XCTAssertEqual(
            header,
            ["file", "ok", "error", "class"] + Tool.classNames.map { "probability_\($0)" } + ["embedding_size"]
                + (0..<8).map { "embedding_\($0)" } + ["model_id"])
        XCTAssertEqual(records.count, 4, r.stdout)
        let quoted = "\"" + odd.path.replacingOccurrences(of: "\"", with: "\"\"") + "\","
        XCTAssertTrue(r.stdout.contains("\r\n" + quoted), "quoted, quotes doubled: \(r.stdout)")
        for (row, line) in zip(records.dropFirst(), json) {
            XCTAssertEqual(row.count, header.count, "\(row)")
            let field = { (name: String) in row[header.firstIndex(of: name)!] }
            XCTAssertEqual(field("file"), line.file)
            XCTAssertEqual(field("ok"), "\(line.ok)")
            XCTAssertEqual(field("model_id"), line.modelID)
            if line.ok {
                XCTAssertEqual(field("class"), line.class)
                XCTAssertEqual(field("error"), "")
                for name in Tool.classNames {
                    XCTAssertEqual(
                        try XCTUnwrap(Double(field("probability_\(name)"))), try XCTUnwrap(line.probabilities?[name]),
                        accuracy: 1e-6)
                }
                XCTAssertEqual(field("embedding_size"), "256")
                XCTAssertEqual(
                    try XCTUnwrap(Float(field("embedding_0"))), try XCTUnwrap(line.embedding?.first), accuracy: 1e-6)
            } else {
                XCTAssertEqual(field("error"), line.error)
                XCTAssertEqual(field("class"), "")
            }
        }
    }

    /// `--output FILE` writes the results to the file (folders created), nothing to stdout; a run with a bad
    /// image still writes the file and exits 1; no temporary file is left beside it.
    func testOutputFile() throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("results/predictions.jsonl")
        let r = try tool(["Data/samples", "--format", "jsonl", "--output", out.path])
        assertExit(r, 0)
        XCTAssertTrue(r.stdout.isEmpty, r.stdout)
        let written = try String(contentsOf: out, encoding: .utf8)
        XCTAssertEqual(written, try tool(["Data/samples", "--json"]).stdout)

        let bad = try temp.write("not an image", to: "bad.png")
        let csv = temp.file("results/p.csv")
        let failed = try tool(["Data/samples/screen_1.jpg", bad.path, "--format", "csv", "--output", csv.path])
        assertExit(failed, 1)
        XCTAssertEqual(try CSVReader.records(try String(contentsOf: csv, encoding: .utf8)).count, 3)
        XCTAssertTrue(failed.stderr.contains("1 of 2 images failed"), failed.stderr)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: temp.file("results").path)
        XCTAssertEqual(leftovers.sorted(), ["p.csv", "predictions.jsonl"])

        let text = temp.file("results/p.txt")
        assertExit(try tool(["Data/samples/screen_1.jpg", "--output", text.path]), 0)
        XCTAssertTrue(try String(contentsOf: text, encoding: .utf8).hasPrefix("Data/samples/screen_1.jpg: screen ("))
    }

    /// An output path that cannot be written is an error naming it, before any image runs.
    func testUnwritableOutputIsNamed() throws {
        let temp = try TemporaryDirectory()
        let blocker = try temp.write("a file, not a folder", to: "blocker")
        let r = try tool(["Data/samples/screen_1.jpg", "--output", blocker.appendingPathComponent("p.txt").path])
        assertExit(r, 1)
        XCTAssertTrue(r.stderr.contains(blocker.path), r.stderr)
        XCTAssertTrue(r.stdout.isEmpty, r.stdout)
    }
}
