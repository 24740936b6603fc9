import ClassifyEmbed
import Datasets
import Engine
import Evaluation
import Foundation
import Imaging
import Layers
import Model
import TestSupport
import Training
import XCTest

final class EvaluateTests: XCTestCase {
    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "eval")
    }

    override func tearDown() {
        tmp = nil
    }

    private func modelFile() throws -> URL {
        var spec = ModelSpec()
        spec.inputSize = 64
        spec.embeddingSize = 16
        spec.classHeadHidden = 16
        let model = JointModel(spec: spec, seed: 3)
        let url = tmp.file("eval-model-\(UUID()).safetensors")
        try ModelFile.write(model.namedTensors, spec: spec, preprocessing: spec.preprocessing, to: url)
        return url
    }

    func testReportMatchesADirectComputation() throws {
        BLAS.configure()
        let url = try modelFile()
        let split = SyntheticData.sharedFolder.appendingPathComponent("val.csv")
        let out = tmp.file("eval-\(UUID())")
        let summary = try EvaluationRun(model: url.path, split: split.path, output: out.path).run()
        XCTAssertTrue(summary.contains("TPR@FPR=f"), summary)
        let report = try EvaluationReport.decoder.decode(
            EvaluationReport.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
        // Direct: the unfolded model in eval mode over the same rows.
        let file = try ModelFile(contentsOf: url)
        let model = try JointModel(modelFile: file)
        let pre = file.preprocessing
        let s = try Split(file: split, classNames: model.spec.classNames)
        var truth: [Int] = []
        var predicted: [Int] = []
        for row in s.rows {
            let x = pre.tensor(
                from: Resize.bilinear(try ImageDecoder().decode(contentsOf: row.path), width: 64, height: 64))
            let (_, l) = model.forward(x, training: false)
            truth.append(row.label!)
            predicted.append((0..<3).max { l.data[$0] < l.data[$1] }!)
        }
        let direct = ClassificationMetrics(truth: truth, predicted: predicted, classes: 3)
        XCTAssertEqual(report.classification?.metrics.confusion, direct.confusion)
        XCTAssertEqual(report.verification?.positives, 16 * 1, "16 templates × one pair of validation captures")
        XCTAssertEqual(report.verification?.tprAtFPR.count, 6)
    }

    func testZeroShotCheckAndStoredThresholds() throws {
        BLAS.configure()
        let url = try modelFile()
        let before = try SafeTensorsFile(contentsOf: url)
        let out = tmp.file("eval-\(UUID())")
        var run = EvaluationRun(
            model: url.path, split: SyntheticData.sharedFolder.appendingPathComponent("val.csv").path, head: .embedding,
            output: out.path)
        run.trainSplit = SyntheticData.sharedFolder.appendingPathComponent("train.csv").path
        run.writeThresholds = true
        let summary = try run.run()
        XCTAssertTrue(summary.contains("zero-shot VIOLATED: 16 test identities"), summary)
        let after = try SafeTensorsFile(contentsOf: url)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let table = try decoder.decode([ROC.OperatingPoint].self, from: Data(after.metadata["thresholds"]!.utf8))
        // The validation split's few hundred negative pairs support FPR 1 only (a level f needs 100/f of them).
        XCTAssertEqual(table.map(\.fprTarget), [1])
        XCTAssertTrue(
            summary.contains("warning: thresholds at FPR 1e-05, 0.0001, 0.001, 0.01, 0.1 not stored"), summary)
        XCTAssertEqual(after.metadata["model_spec"], before.metadata["model_spec"])
        for name in before.names { XCTAssertEqual(try after.floats(name).values, try before.floats(name).values, name) }
        XCTAssertNoThrow(try ModelFile(contentsOf: url), "the rewritten file still loads")
    }

    func testSampledPairsAndPairsFile() throws {
        BLAS.configure()
        let url = try modelFile()
        let folder = SyntheticData.sharedFolder
        let out = tmp.file("eval-\(UUID())")
        var sampled = EvaluationRun(
            model: url.path, split: folder.appendingPathComponent("val.csv").path, head: .embedding, output: out.path)
        sampled.sampledPairs = 500
        try sampled.run()
        let r = try EvaluationReport.decoder.decode(
            EvaluationReport.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
        XCTAssertEqual(r.verification?.pairs, 500)
        // Two explicit pairs plus one with an explicit label.
        let pairs = folder.appendingPathComponent("pairs.csv")
        try "img/page0_4.png | img/page0_5.png\nimg/page0_4.png|img/page1_4.png\nimg/screen0.png|img/page1_4.png|0\n"
            .write(to: pairs, atomically: true, encoding: .utf8)
        var explicit = EvaluationRun(
            model: url.path, split: folder.appendingPathComponent("val.csv").path, head: .embedding, output: out.path)
        explicit.pairsFile = pairs.path
        XCTAssertThrowsError(try explicit.run()) {
            XCTAssertTrue("\($0)".contains("pairs.csv:3"), "screen0 is a training image: \($0)")
        }
        try "img/page0_4.png | img/page0_5.png\nimg/page0_4.png|img/page1_4.png\n".write(
            to: pairs, atomically: true, encoding: .utf8)
        try explicit.run()
        let e = try EvaluationReport.decoder.decode(
            EvaluationReport.self, from: Data(contentsOf: out.appendingPathComponent("report.json")))
        XCTAssertEqual(e.verification?.positives, 1)
        XCTAssertEqual(e.verification?.negatives, 1)
    }

    func testSplitsThatCannotBeScoredExplainWhy() throws {
        let url = try modelFile()
        let dir = try tmp.folder("eval-bad-\(UUID())")
        try PNGWriter.write(RGBImage(width: 20, height: 20, fill: (9, 9, 9)), to: dir.appendingPathComponent("a.png"))
        try "a.png|document\na.png|document\n".write(
            to: dir.appendingPathComponent("noid.csv"), atomically: true, encoding: .utf8)
        let noIdentity = EvaluationRun(
            model: url.path, split: dir.appendingPathComponent("noid.csv").path, head: .embedding, output: dir.path)
        XCTAssertNoThrow(
            try EvaluationRun(
                model: url.path, split: dir.appendingPathComponent("noid.csv").path, head: .classification,
                output: dir.path
            ).run())
        try "a.png|-|x\n".write(to: dir.appendingPathComponent("nolabel.csv"), atomically: true, encoding: .utf8)
        let noLabel = EvaluationRun(
            model: url.path, split: dir.appendingPathComponent("nolabel.csv").path, head: .classification,
            output: dir.path)
        XCTAssertThrowsError(try noLabel.run()) { XCTAssertTrue("\($0)".contains("no row has a class label"), "\($0)") }
        try "# nothing\n".write(to: dir.appendingPathComponent("empty.csv"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(
            try EvaluationRun(model: url.path, split: dir.appendingPathComponent("empty.csv").path, output: dir.path)
                .run()
        ) {
            XCTAssertTrue("\($0)".contains("no rows"), "\($0)")
        }
        // Without an identity column each distinct image is its own identity; both rows are the same image, so
        // there is one positive pair and no negative one.
        XCTAssertThrowsError(try noIdentity.run()) {
            XCTAssertTrue("\($0)".contains("both positives and negatives"), "\($0)")
        }
    }
}

final class AccuracyBreakdownTests: XCTestCase {
    func testGroupsAddUpToTheReportAndBadTablesNameTheirLine() throws {
        BLAS.configure()
        var spec = ModelSpec()
        spec.inputSize = 64
        spec.embeddingSize = 16
        spec.classHeadHidden = 16
        let tmp = try TemporaryDirectory(prefix: "breakdown")
        let dir = tmp.url
        let model = dir.appendingPathComponent("m.safetensors")
        try ModelFile.write(
            JointModel(spec: spec, seed: 5).namedTensors, spec: spec, preprocessing: spec.preprocessing, to: model)
        let splitURL = SyntheticData.sharedFolder.appendingPathComponent("val.csv")
        let split = try Split(file: splitURL, classNames: spec.classNames)
        // Every row but the last: `all` is one group (its accuracy is the report's over those rows), `parity` two.
        var table = "path|parity|all\n"
        for (i, row) in split.rows.dropLast().enumerated() {
            table += "\(row.path.path)|\(i % 2 == 0 ? "even" : "odd")|x\n"
        }
        let file = dir.appendingPathComponent("kinds.csv")
        try table.write(to: file, atomically: true, encoding: .utf8)
        var run = EvaluationRun(model: model.path, split: splitURL.path, head: .classification, output: dir.path)
        run.breakdownFile = file.path
        run.breakdownColumns = ["parity", "all"]
        let summary = try run.run()
        XCTAssertTrue(summary.contains("accuracy by parity:"), summary)
        let report = try EvaluationReport.decoder.decode(
            EvaluationReport.self, from: Data(contentsOf: dir.appendingPathComponent("report.json")))
        let breakdowns = try XCTUnwrap(report.breakdowns)
        XCTAssertEqual(breakdowns.map(\.attribute), ["parity", "all"])
        XCTAssertEqual(breakdowns[0].groups.map(\.value), ["even", "odd"])
        XCTAssertEqual(breakdowns[0].groups.map(\.images), [(split.rows.count) / 2, (split.rows.count - 1) / 2])
        XCTAssertEqual(breakdowns[0].unlisted, 1)
        let all = breakdowns[1].groups[0]
        XCTAssertEqual(all.correct, breakdowns[0].groups.map(\.correct).reduce(0, +))
        XCTAssertEqual(all.images - all.correct, all.mistakenFor.values.reduce(0, +))
        let confusion = try XCTUnwrap(report.classification?.metrics.confusion)
        let correctInReport = (0..<3).map { confusion[$0][$0] }.reduce(0, +)
        XCTAssert((correctInReport - 1...correctInReport).contains(all.correct), "one row is left out of `all`")
        // report.html shows the same tables.
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<h2>Classification accuracy by attribute</h2>"), "no breakdown section")
        let even = breakdowns[0].groups[0]
        XCTAssertTrue(
            html.contains(
                String(
                    format: "<td class=\"name\">even</td><td>%.4f</td><td>%d</td><td>%d</td>", even.accuracy,
                    even.correct, even.images)), "the even row is missing from report.html")
        XCTAssertTrue(html.contains("1 labelled images are not listed"), "the unlisted note is missing")

        run.breakdownColumns = ["device"]
        XCTAssertThrowsError(try run.run()) { error in
            XCTAssertTrue("\(error)".contains("no column `device`"), "\(error)")
            XCTAssertTrue("\(error)".contains(file.path), "\(error)")
        }
        try (table + "\(split.rows[0].path.path)|odd|x\n").write(to: file, atomically: true, encoding: .utf8)
        run.breakdownColumns = ["parity"]
        XCTAssertThrowsError(try run.run()) { error in
            XCTAssertTrue("\(error)".contains("\(file.path):\(split.rows.count + 1): "), "\(error)")
            XCTAssertTrue("\(error)".contains("listed twice"), "\(error)")
        }
    }
}
