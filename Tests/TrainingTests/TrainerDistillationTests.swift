import Datasets
import Engine
import Foundation
import Layers
import Model
import Objectives
import TestSupport
import Training
import XCTest

/// The trainer with `model.init` and the KD term: provenance in every model file, `loss_kd` logged, and
/// nothing changed when the KD weight is 0.
final class TrainerDistillationTests: XCTestCase {
    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "kd")
    }

    override func tearDown() {
        tmp = nil
    }

    private func config(_ name: String) -> TrainConfig {
        var c = TrainConfig()
        c.model.spec.inputSize = 64
        c.model.spec.embeddingSize = 16
        c.model.spec.classHeadHidden = 16
        c.data.train = SyntheticData.sharedFolder.appendingPathComponent("train.csv").path
        c.data.val = SyntheticData.sharedFolder.appendingPathComponent("val.csv").path
        c.train.epochs = 1
        c.train.batchSize = 16
        c.train.warmupSteps = 2
        c.train.seed = 5
        c.train.output = tmp.file("\(name)-\(UUID())").path
        return c
    }

    /// Probe-like logits for every training row: the true class a little ahead, unlabelled rows uniform.
    private func targets(for c: TrainConfig) throws -> SoftTargets {
        let split = try Split(file: URL(fileURLWithPath: c.data.train), classNames: c.model.spec.classNames)
        let k = c.model.spec.classNames.count
        var logits = [Float](repeating: 0, count: split.rows.count * k)
        for (i, row) in split.rows.enumerated() { if let l = row.label { logits[i * k + l] = 1.5 } }
        return SoftTargets(classes: k, logits: logits, provenance: #"{"teacher":"test"}"#)
    }

    private func provenance(_ folder: String) throws -> [String: Any] {
        let file = try ModelFile(contentsOf: URL(fileURLWithPath: folder + "/model.safetensors"))
        let text = try XCTUnwrap(file.provenance, "\(folder) has a provenance")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testInitAndKDAreRecordedAndLogged() throws {
        BLAS.configure()
        var c = config("kd")
        c.model.initPath = PackagePaths.fixture("lcnet_050_state_legacy.pth").path
        c.loss.distillationWeight = 0.5
        let trainer = try Trainer(config: c, softTargets: try targets(for: c))
        try trainer.run()
        for folder in ["last", "best"] {
            let p = try provenance(c.train.output + "/" + folder)
            let initRecord = try XCTUnwrap(p["init"] as? [String: Any])
            XCTAssertEqual(initRecord["kind"] as? String, "timm_checkpoint")
            XCTAssertEqual(
                initRecord["sha256"] as? String,
                try SHA256.hex(contentsOf: PackagePaths.fixture("lcnet_050_state_legacy.pth")))
            let kd = try XCTUnwrap(p["distillation"] as? [String: Any])
            XCTAssertEqual(kd["weight"] as? Double, 0.5)
            XCTAssertEqual((kd["targets"] as? [String: Any])?["teacher"] as? String, "test")
        }
        let steps = try String(contentsOfFile: c.train.output + "/log.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["kind"] as? String == "step" }
        XCTAssertFalse(steps.isEmpty)
        XCTAssertTrue(steps.allSatisfy { ($0["loss_kd"] as? Double).map { $0.isFinite && $0 >= 0 } ?? false })
    }

    /// With `distillation_weight` 0 targets are ignored: the weights equal a run without them, the log has
    /// no `loss_kd`, and the provenance says neither init nor distillation.
    func testZeroWeightChangesNothing() throws {
        BLAS.configure()
        let plain = try Trainer(config: config("plain"))
        try plain.run()
        let c = config("zero")
        let zero = try Trainer(config: c, softTargets: try targets(for: c))
        try zero.run()
        let a = UnsafeBufferPointer(start: plain.model.arena.valuesPointer, count: plain.model.arena.count)
        let b = UnsafeBufferPointer(start: zero.model.arena.valuesPointer, count: zero.model.arena.count)
        XCTAssertEqual(Array(a), Array(b))
        let log = try String(contentsOfFile: c.train.output + "/log.jsonl", encoding: .utf8)
        XCTAssertFalse(log.contains("loss_kd"))
        let p = try provenance(c.train.output + "/last")
        XCTAssertTrue(p["init"] is NSNull)
        XCTAssertTrue(p["distillation"] is NSNull)
    }

    /// A resumed run keeps its first start's provenance and does not need the init file any more.
    func testResumeKeepsTheProvenanceWithoutTheInitFile() throws {
        BLAS.configure()
        let folder = try TemporaryDirectory()
        let initFile = try folder.copy(PackagePaths.fixture("lcnet_050_state_zip.pth"), to: "init.pth")
        var c = config("resume-init")
        c.train.epochs = 2
        c.model.initPath = initFile.path
        try Trainer(config: c).run(untilEpoch: 1)
        try FileManager.default.removeItem(at: initFile)
        let resumed = try Trainer(config: c, resume: true)
        try resumed.run()
        let p = try provenance(c.train.output + "/last")
        XCTAssertEqual((p["init"] as? [String: Any])?["path"] as? String, initFile.path)
    }

    func testKDWithoutTargetsOrWithWrongRowsIsRefused() throws {
        var c = config("refused")
        c.loss.distillationWeight = 1
        XCTAssertThrowsError(try Trainer(config: c)) { XCTAssertTrue("\($0)".contains("no soft targets"), "\($0)") }
        let wrong = SoftTargets(classes: 3, logits: [0, 0, 0], provenance: "{}")
        XCTAssertThrowsError(try Trainer(config: c, softTargets: wrong)) {
            XCTAssertTrue("\($0)".contains("1 rows"), "\($0)")
        }
    }
}
