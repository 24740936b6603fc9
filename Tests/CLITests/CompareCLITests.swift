import Foundation
import TestSupport
import XCTest

/// `classify-and-embed compare` on the shipped model and the tiny training run's model (64 px, 32-d): one row
/// per model with `evaluate`'s figures, both ROC curves overlaid in report.html, the Markdown table, names made
/// unique, and errors that name the file.
final class CompareCLITests: XCTestCase {
    struct Report: Decodable {
        var images: Int
        var classNames: [String]?
        var notes: [String]
        var latencyMethod: String
        var rows: [Row]
    }
    struct Row: Decodable {
        var name: String
        var model: String
        var inputSize: Int
        var accuracy: Double?
        var macroF1: Double?
        var f1PerClass: [Double]?
        var auroc: Double?
        var tprAtFPR: [Point]?
        var bestAccuracy: Threshold?
        var bestF1: Threshold?
        var latency: Latency
        var sizeMiB: Double
    }
    struct Point: Decodable {
        var fprTarget: Double
        var tpr: Double
    }
    struct Threshold: Decodable {
        var accuracy: Double
        var f1: Double
    }
    struct Latency: Decodable {
        var singleImageMs: Double
        var batchedMsPerImage: Double
    }

    func testTwoModelsGiveOneRowEachAndOverlaidCurves() throws {
        let tiny = try TinyTraining.run()
        let temp = try TemporaryDirectory()
        let (csv, _) = try EvaluateCLITests.makeSplit(in: temp)
        let out = temp.file("compare")
        let r = try tool(
            ["compare", Tool.shippedModel.path, tiny.model.path, "--split", csv.path, "--out", out.path], timeout: 120)
        assertExit(r, 0)
        XCTAssertTrue(r.stdout.contains("report.json"), r.stdout)
        let report = try JSONDecoder().decode(
            Report.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
        XCTAssertEqual(report.images, 12)
        XCTAssertEqual(report.classNames, Tool.classNames)
        // Named by the config each model was trained from (tiny.yaml; the shipped model's), else by file name.
        let shippedName = PackagePaths.shippedConfigName ?? "default"
        XCTAssertEqual(report.rows.map(\.name), [shippedName, "tiny"])
        XCTAssertEqual(report.rows.map(\.inputSize), [128, 64])
        XCTAssertTrue(report.notes.contains { $0.contains("input sizes differ") }, "\(report.notes)")
        XCTAssertTrue(report.notes.contains { $0.contains("66 unordered pairs") }, "\(report.notes)")
        XCTAssertTrue(report.latencyMethod.contains("batch 1"), report.latencyMethod)
        for row in report.rows {
            XCTAssertNotNil(row.macroF1, row.name)
            XCTAssertEqual(row.f1PerClass?.count, 3, row.name)
            XCTAssertEqual(row.tprAtFPR?.map(\.fprTarget), [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1], row.name)
            XCTAssertNotNil(row.bestAccuracy, row.name)
            XCTAssertNotNil(row.bestF1, row.name)
            XCTAssertGreaterThan(row.latency.singleImageMs, 0, row.name)
            XCTAssertGreaterThan(row.latency.batchedMsPerImage, 0, row.name)
            XCTAssertGreaterThan(row.sizeMiB, 0, row.name)
        }

        // The shipped model's row holds what `evaluate` reports for it on the same split.
        let single = temp.file("evaluate")
        assertExit(try tool(["evaluate", "--split", csv.path, "--out", single.path]), 0)
        let evaluated = try JSONDecoder().decode(
            EvaluateCLITests.Report.self, from: Data(contentsOf: single.appendingPathComponent("report.json")))
        let shipped = report.rows[0]
        XCTAssertEqual(shipped.accuracy, evaluated.classification?.metrics.accuracy)
        XCTAssertEqual(shipped.auroc, evaluated.verification?.auroc)

        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertFalse(html.contains("<script"), "report.html is script-free")
        for row in report.rows {
            let label = String(format: "%@ (AUROC %.4f)", row.name, row.auroc!)
            // The linear and the log-FPR ROC each carry every model's curve, named in their legends.
            XCTAssertEqual(html.components(separatedBy: label).count - 1, 2, label)
        }
        XCTAssertTrue(html.contains("Verification ROC, log FPR"))
        XCTAssertTrue(html.contains("F1 vs threshold"))
        XCTAssertTrue(html.contains("input sizes differ"), "the notes are shown on the page")

        let md = try tool(
            ["compare", Tool.shippedModel.path, tiny.model.path, "--split", csv.path, "--out", out.path, "--markdown"],
            timeout: 120)
        assertExit(md, 0)
        let lines = md.stdoutLines
        XCTAssertEqual(
            lines.first, "| Name | TPR@FPR=1e-4 | ROC | macro-F1 | accuracy | latency (ms) | Size (MiB) |", md.stdout)
        XCTAssertEqual(lines.count, 4, md.stdout)
        XCTAssertTrue(lines[2].hasPrefix("| \(shippedName) | "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("| tiny | "), lines[3])
        XCTAssertTrue(md.stdout.contains("**"), "the best value of each column is bold")
    }

    /// Two files with the same name are told apart by their folders; a missing file and a file that is not a
    /// model are named in the error.
    func testNamesAreMadeUniqueAndErrorsNameTheFile() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try EvaluateCLITests.makeSplit(in: temp)
        let a = try temp.copy(Tool.shippedModel, to: "runs/a/last/model.safetensors")
        let b = try temp.copy(Tool.shippedModel, to: "runs/b/last/model.safetensors")
        let out = temp.file("compare")
        let r = try tool(
            ["compare", a.path, b.path, "--split", csv.path, "--head", "embedding", "--out", out.path], timeout: 120)
        assertExit(r, 0)
        let report = try JSONDecoder().decode(
            Report.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
        let base = PackagePaths.shippedConfigName ?? "model"
        XCTAssertEqual(report.rows.map(\.name), ["\(base) (a/last)", "\(base) (b/last)"])
        XCTAssertNil(report.rows[0].macroF1, "--head embedding scores no classification")
        XCTAssertEqual(report.rows[0].auroc, report.rows[1].auroc)

        let missing = temp.file("nowhere/model.safetensors").path
        let gone = try tool(["compare", a.path, missing, "--split", csv.path, "--out", out.path])
        assertFailure(gone)
        XCTAssertTrue(gone.stderr.contains("\(missing): no such model file"), gone.stderr)
        let notAModel = try tool(["compare", a.path, csv.path, "--split", csv.path, "--out", out.path])
        assertFailure(notAModel)
        XCTAssertTrue(notAModel.stderr.contains(csv.path), notAModel.stderr)
    }

    /// A copy of `source` whose metadata calls the class `screen` `display` (the weights unchanged): a model
    /// with other classes. Safetensors is an 8-byte header length, the JSON header, then the tensors' bytes,
    /// whose offsets count from the header's end, so the header may change length.
    static func renamingScreen(_ source: URL, to target: URL) throws {
        let data = try Data(contentsOf: source)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = String(decoding: data[8..<(8 + length)], as: UTF8.self)
            .replacingOccurrences(of: #"\"screen\""#, with: #"\"display\""#)
        let bytes = Data(header.utf8)
        let prefix = Data((0..<8).map { UInt8((bytes.count >> (8 * $0)) & 0xff) })
        try (prefix + bytes + data[(8 + length)...]).write(to: target)
    }

    /// Models whose classes differ are compared on the embedding head only, and the report says so;
    /// `--head classification` is refused with the reason.
    func testDifferentClassesCompareTheEmbeddingHeadOnly() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try EvaluateCLITests.makeSplit(in: temp)
        let other = temp.file("display.safetensors")
        try Self.renamingScreen(Tool.shippedModel, to: other)
        let out = temp.file("compare")
        let r = try tool(["compare", Tool.shippedModel.path, other.path, "--split", csv.path, "--out", out.path])
        assertExit(r, 0)
        let report = try JSONDecoder().decode(
            Report.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
        XCTAssertNil(report.classNames)
        if let shipped = PackagePaths.shippedConfigName {
            // The renamed copy keeps the provenance, so the two share the config's name and their folders tell
            // them apart.
            XCTAssertEqual(Set(report.rows.map(\.name)).count, 2, "\(report.rows.map(\.name))")
            XCTAssertTrue(report.rows.allSatisfy { $0.name.hasPrefix(shipped + " (") }, "\(report.rows.map(\.name))")
        } else {
            XCTAssertEqual(report.rows.map(\.name), ["default", "display"])
        }
        XCTAssertTrue(report.rows.allSatisfy { $0.macroF1 == nil && $0.auroc != nil }, "embedding columns only")
        XCTAssertEqual(report.rows[0].auroc, report.rows[1].auroc, "the same weights")
        XCTAssertTrue(report.notes.contains { $0.contains("classes differ") }, "\(report.notes)")
        let refused = try tool(
            [
                "compare", Tool.shippedModel.path, other.path, "--split", csv.path, "--out", out.path, "--head",
                "classification",
            ])
        assertFailure(refused)
        XCTAssertTrue(refused.stderr.contains("--head embedding"), refused.stderr)
    }
}
