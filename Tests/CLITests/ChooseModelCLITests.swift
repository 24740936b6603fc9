import Foundation
import TestSupport
import XCTest

/// `Tools/choose-model`, the selection split's rule as a command: the shipped model against the tiny 1-epoch
/// model on the samples (as both the validation and the selection split). The shipped one wins by far, so it
/// is kept as the baseline and chosen as a candidate.
final class ChooseModelCLITests: XCTestCase {
    func choose(_ models: [URL], split: URL, out: URL) throws -> ProcessResult {
        try runProcess(
            Tool.root.appendingPathComponent("Tools/choose-model"),
            ["--val", split.path, "--selection", split.path, "--out", out.path] + models.map(\.path),
            currentDirectory: Tool.root,
            environment: ["CLASSIFY_EMBED_BIN": try Tool.executable().path, "CLASSIFY_EMBED_MODEL": nil],
            timeout: 300)
    }

    struct Decision: Decodable {
        var baseline: String
        var chosen: String
        var rows: [Row]
        struct Row: Decodable {
            var model: String
            var valMacroF1: Double
            var selectionMacroF1: Double
            var S: Double
            var passes: Bool?
        }
    }

    func testTheBetterModelIsKeptOrChosenByTheRule() throws {
        let tiny = try TinyTraining.run().model
        let temp = try TemporaryDirectory()
        let (split, _) = try EvaluateCLITests.makeSplit(in: temp)

        let kept = try choose([Tool.shippedModel, tiny], split: split, out: temp.file("kept"))
        assertExit(kept, 0)
        XCTAssertTrue(kept.stdout.contains("keep the baseline \(Tool.shippedModel.path)"), kept.stdout)
        let keptDecision = try JSONDecoder().decode(
            Decision.self, from: Data(contentsOf: temp.file("kept/decision.json")))
        XCTAssertEqual(keptDecision.chosen, Tool.shippedModel.path)
        XCTAssertEqual(keptDecision.rows[1].passes, false)
        for row in keptDecision.rows {
            XCTAssertEqual(row.S, (row.valMacroF1 + row.selectionMacroF1) / 2, accuracy: 1e-12)
        }

        let replaced = try choose([tiny, Tool.shippedModel], split: split, out: temp.file("replaced"))
        assertExit(replaced, 0)
        XCTAssertTrue(replaced.stdout.contains("replace the baseline with \(Tool.shippedModel.path)"), replaced.stdout)
        let decision = try JSONDecoder().decode(
            Decision.self, from: Data(contentsOf: temp.file("replaced/decision.json")))
        XCTAssertEqual(decision.baseline, tiny.path)
        XCTAssertEqual(decision.chosen, Tool.shippedModel.path)
    }

    func testUsageErrorsNameWhatIsMissing() throws {
        let temp = try TemporaryDirectory()
        let (split, _) = try EvaluateCLITests.makeSplit(in: temp)
        let one = try choose([Tool.shippedModel], split: split, out: temp.file("one"))
        XCTAssertEqual(one.status, 64)
        XCTAssertTrue(one.stderr.contains("at least one candidate"), one.stderr)
        let missing = try choose(
            [Tool.shippedModel, temp.file("absent.safetensors")], split: split, out: temp.file("missing"))
        XCTAssertEqual(missing.status, 66)
        XCTAssertTrue(missing.stderr.contains("absent.safetensors does not exist"), missing.stderr)
    }
}
