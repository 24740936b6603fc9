import Foundation
import TestSupport
import XCTest

/// `predict --top-k`, `--min-confidence`, `--tta` and `--split`.
final class PredictClassesCLITests: XCTestCase {
    /// `--top-k 2`: the two most probable classes, most probable first, with the probabilities of the full
    /// table; in text the bracket lists just those two; in CSV they are columns.
    func testTopK() throws {
        let r = try tool(["Data/samples", "--json", "--top-k", "2"])
        assertExit(r, 0)
        let lines = try decodeLines(PredictionLine.self, r)
        XCTAssertEqual(lines.count, 12)
        for line in lines {
            let probabilities = try XCTUnwrap(line.probabilities)
            let expected = probabilities.sorted { $0.value > $1.value }.prefix(2).map {
                RankedClass(class: $0.key, probability: $0.value)
            }
            XCTAssertEqual(try XCTUnwrap(line.topK), expected, line.file)
            XCTAssertEqual(line.topK?.first?.class, line.class)
        }
        XCTAssertNil(try decodeLines(PredictionLine.self, try tool(["Data/samples", "--json"]))[0].topK)

        let text = try tool(["Data/samples/screen_1.jpg", "--top-k", "1", "--embedding", "none"])
        assertExit(text, 0)
        XCTAssertTrue(
            text.stdout.range(
                of: #"^Data/samples/screen_1\.jpg: screen \(screen [01]\.\d{3}\)\n$"#, options: .regularExpression)
                != nil, text.stdout)

        let csv = try CSVReader.records(
            try tool(["Data/samples/screen_1.jpg", "--format", "csv", "--top-k", "3"]).stdout)
        let header = try XCTUnwrap(csv.first)
        XCTAssertTrue(header.contains("top3_probability"), "\(header)")
        XCTAssertEqual(csv[1][header.firstIndex(of: "top1_class")!], "screen")

        for bad in ["0", "4"] {
            let e = try tool(["Data/samples/screen_1.jpg", "--top-k", bad])
            assertExit(e, 64)
            XCTAssertTrue(e.stderr.contains("--top-k \(bad)"), e.stderr)
        }
    }

    /// `--min-confidence p`: the class is `unknown` exactly for the images whose top probability is below p
    /// (the probabilities are still all reported); p outside [0, 1] is a usage error naming the flag.
    func testMinimumConfidence() throws {
        let plain = try decodeLines(PredictionLine.self, try tool(["Data/samples", "--json"]))
        let tops = plain.map { ($0.probabilities ?? [:]).values.max() ?? 0 }.sorted()
        let cut = (tops[5] + tops[6]) / 2
        let r = try tool(["Data/samples", "--json", "--min-confidence", "\(cut)"])
        assertExit(r, 0)
        let lines = try decodeLines(PredictionLine.self, r)
        XCTAssertEqual(lines.filter { $0.class == "unknown" }.count, 6, r.stdout)
        for (line, before) in zip(lines, plain) {
            let top = try XCTUnwrap(before.probabilities?.values.max())
            XCTAssertEqual(line.class, top < cut ? "unknown" : before.class, line.file)
            XCTAssertEqual(line.probabilities, before.probabilities)
        }
        let text = try tool(["Data/samples", "--min-confidence", "1", "--embedding", "none"])
        assertExit(text, 0)
        XCTAssertTrue(text.stdout.contains(": unknown ("), text.stdout)
        XCTAssertTrue(text.stdout.contains(" < 1.000; "), "the text says why: \(text.stdout)")

        for bad in ["1.5", "-0.1", "nan"] {
            let e = try tool(["Data/samples/screen_1.jpg", "--min-confidence", bad])
            assertExit(e, 64)
            XCTAssertTrue(e.stderr.contains("--min-confidence"), e.stderr)
            XCTAssertTrue(e.stderr.contains("[0, 1]"), e.stderr)
        }
    }

    /// `--tta` averages the augmented views: probabilities still sum to 1, embeddings stay unit length, and
    /// the numbers differ from the plain pass (the sample classes do not).
    func testTestTimeAugmentation() throws {
        let plain = try decodeLines(PredictionLine.self, try tool(["Data/samples", "--json", "--embedding", "full"]))
        let r = try tool(["Data/samples", "--json", "--embedding", "full", "--tta"])
        assertExit(r, 0)
        let tta = try decodeLines(PredictionLine.self, r)
        XCTAssertEqual(tta.count, 12)
        var changed = 0
        for (a, b) in zip(tta, plain) {
            XCTAssertEqual(try XCTUnwrap(a.probabilities).values.reduce(0, +), 1, accuracy: 1e-4)
            XCTAssertEqual(euclideanNorm(try XCTUnwrap(a.embedding)), 1, accuracy: 1e-3)
            XCTAssertEqual(a.class, Tool.classOfSample(a.file), a.file)
            if maxAbsDifference(try XCTUnwrap(a.embedding), try XCTUnwrap(b.embedding)[...]) > 1e-4 { changed += 1 }
        }
        XCTAssertEqual(changed, 12, "every embedding is an average of views")
    }

    /// `--split S.csv` predicts the split's images in row order (paths relative to the CSV), after any
    /// image arguments; a bad row stops the run naming `file:line`.
    func testSplit() throws {
        let temp = try TemporaryDirectory()
        try temp.copy(Tool.samples.appendingPathComponent("screen_2.jpg"), to: "set/images/s.jpg")
        let csv = try temp.write(
            "path|label|identity\nimages/s.jpg|screen|a\n\(Tool.samples.path)/document_3.jpg|document|b\n",
            to: "set/test.csv")
        let r = try tool(["Data/samples/not_a_document_1.jpg", "--split", csv.path, "--json"])
        assertExit(r, 0)
        let lines = try decodeLines(PredictionLine.self, r)
        XCTAssertEqual(
            lines.map(\.file),
            [
                "Data/samples/not_a_document_1.jpg", temp.file("set/images/s.jpg").path,
                "\(Tool.samples.path)/document_3.jpg",
            ])
        XCTAssertEqual(lines.map(\.class), ["not_a_document", "screen", "document"])

        let bad = try temp.write("path|label\nimages/s.jpg|screen\nimages/missing.jpg|screen\n", to: "set/bad.csv")
        let e = try tool(["--split", bad.path])
        assertFailure(e)
        XCTAssertTrue(e.stderr.contains("\(bad.path):3: missing file"), e.stderr)
        XCTAssertTrue(e.stdout.isEmpty, e.stdout)
    }
}
