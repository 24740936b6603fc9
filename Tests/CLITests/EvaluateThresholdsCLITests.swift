import Foundation
import TestSupport
import XCTest

/// `evaluate --write-thresholds` stores only the TPR@FPR levels that rest on at least 100/FPR negative pairs,
/// and says which it skipped.
final class EvaluateThresholdsCLITests: XCTestCase {
    /// 20,000 sampled pairs (about 14,500 negatives) support FPR 1, 0.1 and 1e-2: those are stored, the lower
    /// levels are skipped with a warning that gives the numbers.
    func testLevelsWithoutEnoughNegativesAreSkipped() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try EvaluateCLITests.makeSplit(in: temp)
        let model = try temp.copy(Tool.shippedModel, to: "model.safetensors")
        let r = try tool([
            "evaluate", "--model", model.path, "--split", csv.path, "--head", "embedding", "--out",
            temp.file("eval").path, "--write-thresholds", "--pairs", "20000",
        ])
        assertExit(r, 0)
        let report = try JSONDecoder().decode(
            EvaluateCLITests.Report.self, from: Data(contentsOf: temp.file("eval/report.json")))
        let negatives = try XCTUnwrap(report.verification?.negatives)
        XCTAssertTrue((10_000..<100_000).contains(negatives), "\(negatives)")
        XCTAssertEqual(try StoredThreshold.table(of: model).map(\.fprTarget), [1e-2, 0.1, 1])
        XCTAssertTrue(
            r.stdout.contains(
                "warning: thresholds at FPR 1e-05, 0.0001, 0.001 not stored: a level f needs at least 100/f negative "
                    + "pairs (10,000,000, 1,000,000, 100,000) and this evaluation has "), r.stdout)
        XCTAssertTrue(r.stdout.contains("thresholds for FPR 0.01, 0.1, 1 stored in \(model.path)"), r.stdout)

        // `verify` at a skipped level says which levels the table has.
        let v = try tool([
            "verify", "Data/samples/screen_1.jpg", "Data/samples/screen_2.jpg", "--model", model.path, "--fpr", "1e-4",
        ])
        assertExit(v, 1)
        XCTAssertTrue(v.stderr.contains("the table has 0.01, 0.1, 1"), v.stderr)
    }

    /// 48 negative pairs support no level (even FPR 1 needs 100): the reports are written, the model file is
    /// left as it was, and the run fails saying why.
    func testNothingStoredFromTooFewNegatives() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try EvaluateCLITests.makeSplit(in: temp)
        let model = try temp.copy(Tool.shippedModel, to: "model.safetensors")
        let before = try Data(contentsOf: model)
        let r = try tool([
            "evaluate", "--model", model.path, "--split", csv.path, "--head", "embedding", "--out",
            temp.file("eval").path, "--write-thresholds",
        ])
        assertExit(r, 1)
        XCTAssertTrue(r.stderr.contains("no threshold was stored in \(model.path) (it is unchanged)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("even FPR 1 needs 100 negative pairs and this evaluation has 48"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: model), before)
        XCTAssertTrue(FileManager.default.fileExists(atPath: temp.file("eval/report.json").path))
    }
}

/// Errors name the file they are about: a pairs file, a missing split or training CSV, a missing manifest;
/// "the split has N bad rows" is said only of a split.
final class ErrorFileNamingCLITests: XCTestCase {
    func testPairsFileErrorsNameThePairsFile() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try EvaluateCLITests.makeSplit(in: temp)
        let pairs = try temp.write(
            "images/document_1.jpg | images/document_2.jpg | 1\nimages/document_1.jpg | nowhere.jpg\n"
                + "images/screen_1.jpg | images/screen_2.jpg | maybe\n", to: "split/pairs.txt")
        let r = try tool([
            "evaluate", "--split", csv.path, "--head", "embedding", "--out", temp.file("eval").path,
            "--pairs-file", pairs.path,
        ])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("the pairs file has 2 bad lines:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(pairs.path):2: expected `pathA | pathB [| same]`"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(pairs.path):3: `same` must be 0 or 1"), r.stderr)
        XCTAssertFalse(r.stderr.contains("split has"), r.stderr)
    }

    func testMissingSplitFilesAreNamed() throws {
        let temp = try TemporaryDirectory()
        let (csv, _) = try EvaluateCLITests.makeSplit(in: temp)
        let missing = temp.file("nowhere/train.csv")
        let evaluate = try tool([
            "evaluate", "--split", csv.path, "--train-split", missing.path, "--out", temp.file("eval").path,
        ])
        assertFailure(evaluate)
        XCTAssertTrue(evaluate.stderr.contains("\(missing.path): no such file"), evaluate.stderr)
        XCTAssertFalse(evaluate.stderr.contains("bad row"), evaluate.stderr)

        let config = try TinyTraining.writeDataSetAndConfig(in: temp)
        let train = try tool([
            "train", "--config", config.path, "--train-split", missing.path, "--output", temp.file("run").path,
        ])
        assertFailure(train)
        XCTAssertTrue(train.stderr.contains("\(missing.path): no such file"), train.stderr)
        XCTAssertFalse(train.stderr.contains("bad row"), train.stderr)
    }

    func testMissingManifestIsNamed() throws {
        let temp = try TemporaryDirectory()
        let sources = try temp.folder("sources")
        let r = try tool(["make-dataset", "--sources", sources.path, "--out", temp.file("out").path])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("\(sources.path)/manifest.csv: no source manifest"), r.stderr)
        XCTAssertFalse(r.stderr.contains("split"), r.stderr)
    }
}
