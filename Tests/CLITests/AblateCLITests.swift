import Foundation
import TestSupport
import XCTest

/// `Tools/ablate` as a 1-epoch smoke run on a tiny data set: every training config of `Configs/` is trained
/// (the distillation config skipped as not a training config, the two that start from a distillation run's
/// backbone excluded; train-150k and train-150k-wide start from the shipped one) and compared; about 35 s here.
final class AblateCLITests: XCTestCase {
    func testOneEpochOfEveryConfigIsComparedInOneTable() throws {
        let temp = try TemporaryDirectory()
        // The configs' batch is 64: each sample six times makes 72 training rows (12 identities, 3 classes).
        var train = ["path|label|identity"]
        for name in Tool.sampleNames {
            let stem = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
            for copy in 1...6 {
                try temp.copy(Tool.samples.appendingPathComponent(name), to: "data/images/\(stem)_\(copy).jpg")
                train.append("images/\(stem)_\(copy).jpg|\(Tool.classOfSample(name))|\(stem)")
            }
        }
        let trainCSV = try temp.write(train.joined(separator: "\n") + "\n", to: "data/train.csv")
        let (split, _) = try EvaluateCLITests.makeSplit(in: temp)
        let out = temp.file("ablate")
        let r = try runProcess(
            Tool.root.appendingPathComponent("Tools/ablate"),
            [
                "--epochs", "1", "--split", split.path, "--train-split", trainCSV.path, "--val-split", split.path,
                "--out", out.path, "--exclude", "distilled*",
            ],
            currentDirectory: Tool.root,
            environment: ["CLASSIFY_EMBED_BIN": try Tool.executable().path, "CLASSIFY_EMBED_MODEL": nil],
            timeout: 600)
        assertExit(r, 0)
        XCTAssertTrue(
            r.stderr.contains("skipping \(Tool.root.path)/Configs/distill.yaml: not a training config"), r.stderr)
        XCTAssertTrue(r.stderr.contains("distilled.yaml: excluded by --exclude distilled*"), r.stderr)

        let trained = [
            "arc", "bn", "cos", "default", "f128-r96", "gap", "ln+bn", "softmax", "squeeze", "train-150k-wide",
            "train-150k",
        ]
        let table = try String(contentsOf: out.appendingPathComponent("table.md"), encoding: .utf8)
        XCTAssertEqual(table.trimmingCharacters(in: .newlines), r.stdout.trimmingCharacters(in: .newlines))
        let names = table.split(separator: "\n").dropFirst(2).map {
            $0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces)
        }
        XCTAssertEqual(names, trained, "one row per trained config, named by its config")
        let report = try JSONDecoder().decode(
            CompareCLITests.Report.self,
            from: Data(contentsOf: out.appendingPathComponent("compare/report.json")))
        XCTAssertEqual(report.rows.map(\.name), trained)
        XCTAssertTrue(report.notes.contains { $0.contains("f128-r96 96 px") }, "\(report.notes)")
    }
}
