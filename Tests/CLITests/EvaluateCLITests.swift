import Foundation
import TestSupport
import XCTest

/// `classify-and-embed evaluate` on a small split over the twelve samples: report.json agrees with what
/// `predict` says about the same images, report.html is drawn, thresholds written into a model are the ones
/// `verify` then uses.
final class EvaluateCLITests: XCTestCase {
    struct Report: Decodable {
        var images: Int
        var classification: Classification?
        var verification: Verification?
    }
    struct Classification: Decodable {
        var classNames: [String]
        var metrics: Metrics
    }
    struct Metrics: Decodable {
        var accuracy: Double
        var confusion: [[Int]]
        var support: [Int]
    }
    struct Verification: Decodable {
        var pairs: Int
        var positives: Int
        var negatives: Int
        var auroc: Double
    }

    /// The split: document and screen samples copied beside the CSV (relative paths), not_a_document by
    /// absolute path; `screen_4` deliberately labelled `document`, so the accuracy is not trivially 1; the
    /// identity is the sample's true class (18 positive pairs of 66).
    static func makeSplit(
        in temp: TemporaryDirectory, extraRow: String? = nil
    ) throws -> (csv: URL, truth: [String: String]) {
        var rows = ["# made by EvaluateCLITests", "path|label|identity"]
        var truth: [String: String] = [:]
        for name in Tool.sampleNames {
            let trueClass = Tool.classOfSample(name)
            let label = name.hasPrefix("screen_4") ? "document" : trueClass
            let path: String
            if trueClass == "not_a_document" {
                path = Tool.samples.appendingPathComponent(name).path
            } else {
                try temp.copy(Tool.samples.appendingPathComponent(name), to: "split/images/\(name)")
                path = "images/\(name)"
            }
            rows.append("\(path) | \(label) | \(trueClass)")
            truth[name] = label
        }
        if let extraRow { rows.append(extraRow) }
        return (try temp.write(rows.joined(separator: "\n") + "\n", to: "split/test.csv"), truth)
    }

    func testReportAgreesWithPredictions() throws {
        let temp = try TemporaryDirectory()
        let (csv, truth) = try Self.makeSplit(in: temp)
        let out = temp.file("eval")
        let r = try tool(["evaluate", "--split", csv.path, "--head", "both", "--out", out.path])
        assertExit(r, 0)
        XCTAssertTrue(r.stdout.contains("report.json"), r.stdout)

        let predicted = try decodeLines(
            PredictionLine.self, try tool(["Data/samples", "--json", "--embedding", "none"]))
        XCTAssertEqual(predicted.count, 12)
        let names = Tool.classNames
        var confusion = Array(repeating: Array(repeating: 0, count: names.count), count: names.count)
        for p in predicted {
            let name = URL(fileURLWithPath: p.file).lastPathComponent
            let t = try XCTUnwrap(names.firstIndex(of: try XCTUnwrap(truth[name])))
            let c = try XCTUnwrap(names.firstIndex(of: try XCTUnwrap(p.class)))
            confusion[t][c] += 1
        }
        let correct = (0..<names.count).map { confusion[$0][$0] }.reduce(0, +)

        let reportData = try Data(contentsOf: out.appendingPathComponent("report.json"))
        let report = try JSONDecoder().decode(Report.self, from: reportData)
        XCTAssertEqual(report.images, 12)
        let classification = try XCTUnwrap(report.classification)
        XCTAssertEqual(classification.classNames, names)
        XCTAssertEqual(classification.metrics.accuracy, Double(correct) / 12, accuracy: 1e-12)
        XCTAssertLessThan(classification.metrics.accuracy, 1, "screen_4 is mislabelled in the split")
        XCTAssertEqual(classification.metrics.confusion, confusion, "rows true, columns predicted")
        XCTAssertEqual(classification.metrics.support, [5, 4, 3])
        let verification = try XCTUnwrap(report.verification)
        XCTAssertEqual(verification.pairs, 66)
        XCTAssertEqual(verification.positives, 18)
        XCTAssertEqual(verification.negatives, 48)
        XCTAssertTrue((0...1).contains(verification.auroc))

        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"), "report.html has inline SVG plots")
        XCTAssertFalse(html.contains("<script"), "report.html is script-free")
    }

    /// `--write-thresholds` stores the report's TPR@FPR table in the model file, and `verify --fpr` then
    /// decides with it. (20,000 sampled pairs: about 14,500 negatives, enough for the levels down to 1e-2.)
    func testWrittenThresholdsAreUsedByVerify() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try Self.makeSplit(in: temp)
        let model = try temp.copy(Tool.shippedModel, to: "model.safetensors")
        let before = try StoredThreshold.table(of: model)
        let r = try tool([
            "evaluate", "--model", model.path, "--split", csv.path, "--head", "embedding", "--out",
            temp.file("eval").path, "--write-thresholds", "--pairs", "20000",
        ])
        assertExit(r, 0)
        let table = try StoredThreshold.table(of: model)
        XCTAssertFalse(table.isEmpty)
        XCTAssertNotEqual(table.map(\.threshold), before.map(\.threshold), "the table was replaced")
        let level = try XCTUnwrap(table.filter { $0.fprTarget < 1 && $0.threshold.isFinite }.last)
        let v = try tool([
            "verify", "Data/samples/screen_1.jpg", "Data/samples/screen_2.jpg", "--model", model.path, "--fpr",
            "\(level.fprTarget)", "--json",
        ])
        let out = try JSONDecoder().decode(VerifyCLITests.VerifyLine.self, from: Data(v.stdout.utf8))
        XCTAssertEqual(out.threshold, level.threshold, accuracy: 1e-6)
        XCTAssertEqual(out.fpr, level.fprTarget)
        assertExit(v, out.similarity >= out.threshold ? 0 : 2)
    }

    /// When even the top-scoring pair is a negative (here screen_1 listed twice, under two identities, about
    /// 1/60 of the negatives), no ROC point below FPR 0.1 has a finite threshold: the stored threshold is +∞
    /// (`"inf"`) and `verify` at such a level calls even an image and itself different. (`verify --json` and
    /// `match --json` at such a level currently fail with an EncodingError, exit 1: a bug, not asserted here.)
    func testUnreachableLevelStoresInfinity() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try Self.makeSplit(in: temp, extraRow: "images/screen_1.jpg | screen | another_screen")
        let model = try temp.copy(Tool.shippedModel, to: "model.safetensors")
        let r = try tool([
            "evaluate", "--model", model.path, "--split", csv.path, "--head", "embedding", "--out",
            temp.file("eval").path, "--write-thresholds", "--pairs", "20000",
        ])
        assertExit(r, 0)
        let level = try XCTUnwrap(StoredThreshold.table(of: model).first { $0.fprTarget == 1e-2 })
        XCTAssertEqual(level.threshold, .infinity)
        XCTAssertEqual(level.tpr, 0)
        let v = try tool([
            "verify", "Data/samples/screen_1.jpg", "Data/samples/screen_1.jpg", "--model", model.path, "--fpr", "1e-2",
        ])
        assertExit(v, 2)
        XCTAssertTrue(v.stdout.contains("similarity 1.0000, threshold inf at FPR 0.01"), v.stdout)
        XCTAssertTrue(v.stdout.contains("DIFFERENT templates"), v.stdout)
    }

    /// A bad row stops the run and is named as `file:line`.
    func testMalformedSplitNamesTheRow() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try Self.makeSplit(in: temp, extraRow: "images/document_1.jpg | bogus | x")
        let r = try tool(["evaluate", "--split", csv.path, "--out", temp.file("eval").path])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("\(csv.path):15:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("unknown label 'bogus'"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temp.file("eval/report.json").path))
    }
}
