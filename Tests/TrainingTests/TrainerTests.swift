import Engine
import Foundation
import Layers
import Model
import Objectives
import TestSupport
import Training
import XCTest

final class TrainerTests: XCTestCase {
    static var dataFolder: URL { SyntheticData.sharedFolder }
    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "train")
    }

    override func tearDown() {
        tmp = nil
    }

    private func config(output: String, epochs: Int) -> TrainConfig {
        var c = TrainConfig()
        c.model.spec.inputSize = 64
        c.model.spec.embeddingSize = 32
        c.model.spec.classHeadHidden = 32
        c.model.spec.classHeadDropout = 0.1
        c.margin = MarginSettings(scale: 10, m1: 1, m2: 0, m3: 0.1)
        c.loss.classificationWeight = 1
        c.data.train = Self.dataFolder.appendingPathComponent("train.csv").path
        c.data.val = Self.dataFolder.appendingPathComponent("val.csv").path
        c.data.augmentation.jpegProbability = 0.2
        // Photometric augmentation and JPEG only: the synthetic templates differ by where things are, which
        // geometric jitter would blur within the few steps a unit test can afford.
        c.data.augmentation.shift = 0
        c.data.augmentation.rotation = 0
        c.data.augmentation.perspective = 0
        c.data.augmentation.scale = [1, 1]
        c.train.epochs = epochs
        c.train.batchSize = 16
        c.train.learningRate = 5e-3
        c.train.warmupSteps = 5
        c.train.seed = 7
        c.train.output = tmp.file(output + "-\(UUID())").path
        return c
    }

    /// Trains on the synthetic set and checks that the loss falls and both heads beat chance clearly.
    func testItLearnsBothHeads() throws {
        BLAS.configure()
        let c = config(output: "learn", epochs: 30)
        let trainer = try Trainer(config: c)
        var last = ValidationResult()
        trainer.onEpoch = { _, v in last = v }
        try trainer.run()
        let log = try String(contentsOfFile: c.train.output + "/log.jsonl", encoding: .utf8)
            .split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        let steps = log.filter { $0["kind"] as? String == "step" }
        let firstLoss =
            steps.prefix(5).map { ($0["loss_cls"] as! Double) + ($0["loss_emb"] as! Double) }.reduce(0, +) / 5
        let lastLoss =
            steps.suffix(5).map { ($0["loss_cls"] as! Double) + ($0["loss_emb"] as! Double) }.reduce(0, +) / 5
        XCTAssertLessThan(lastLoss, 0.6 * firstLoss, "loss falls: \(firstLoss) → \(lastLoss)")
        XCTAssertGreaterThan(last.macroF1 ?? 0, 0.8, "classification beats chance (1/3) clearly")
        XCTAssertGreaterThan(last.auroc ?? 0, 0.7, "verification beats chance (0.5) clearly")
        for file in [
            "config.yaml", "log.jsonl", "last/model.safetensors", "last/optimizer.safetensors", "last/trainer.json",
            "best/model.safetensors",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: c.train.output + "/" + file), file)
        }
        let reloaded = try TrainConfig.load(URL(fileURLWithPath: c.train.output + "/config.yaml"))
        XCTAssertEqual(reloaded.model.spec, c.model.spec, "the saved config reloads")
    }

    /// Two epochs straight equal one epoch, a resume, and one more epoch.
    func testResumeIsExact() throws {
        BLAS.configure()
        let straight = try Trainer(config: config(output: "straight", epochs: 2))
        try straight.run()
        let c = config(output: "resumed", epochs: 2)
        try Trainer(config: c).run(untilEpoch: 1)
        let resumed = try Trainer(config: c, resume: true)
        XCTAssertEqual(resumed.state.epoch, 1)
        try resumed.run()
        XCTAssertEqual(resumed.state.globalStep, straight.state.globalStep)
        let a = UnsafeBufferPointer(start: straight.model.arena.valuesPointer, count: straight.model.arena.count)
        let b = UnsafeBufferPointer(start: resumed.model.arena.valuesPointer, count: resumed.model.arena.count)
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, 1e-6)
        let buffers = zip(straight.model.namedTensors, resumed.model.namedTensors).map {
            maxAbsDifference($0.tensor, $1.tensor)
        }.max()!
        XCTAssertLessThanOrEqual(buffers, 1e-6, "BatchNorm statistics too")
        let ma = straight.margin!
        let mb = resumed.margin!
        let marginWorst = (0..<(ma.rows * ma.dimension)).map { abs(ma.weight.pointer[$0] - mb.weight.pointer[$0]) }
            .max()!
        XCTAssertLessThanOrEqual(marginWorst, 1e-6)
    }

    /// A checkpoint written by another version of the trainer is refused on resume, naming the file.
    func testResumeRefusesAnotherCheckpointVersion() throws {
        BLAS.configure()
        let c = config(output: "version", epochs: 1)
        try Trainer(config: c).run(untilEpoch: 1)
        let state = URL(fileURLWithPath: c.train.output + "/last/trainer.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as! [String: Any]
        json["version"] = 99
        try JSONSerialization.data(withJSONObject: json).write(to: state)
        XCTAssertThrowsError(try Trainer(config: c, resume: true)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("trainer.json") && text.contains("version 99"), text)
        }
    }

    /// Gradient accumulation: k micro-batches per optimizer step, so an epoch takes 1/k as many steps.
    func testGradientAccumulationCountsMicroBatches() throws {
        BLAS.configure()
        var c = config(output: "accum", epochs: 1)
        c.train.batchSize = 8
        c.train.accumulation = 3
        let trainer = try Trainer(config: c)
        try trainer.run()
        XCTAssertEqual(trainer.state.globalStep, trainer.trainLoader.batchesPerEpoch / 3)
        XCTAssertEqual(trainer.state.optimizer.step, trainer.state.globalStep)
    }

    /// A NaN stops training with the step named and leaves the last good checkpoint intact.
    func testNaNLossStopsAndKeepsTheCheckpoint() throws {
        BLAS.configure()
        let c = config(output: "nan", epochs: 3)
        let trainer = try Trainer(config: c)
        try trainer.run(untilEpoch: 1)
        let before = try Data(contentsOf: URL(fileURLWithPath: c.train.output + "/last/model.safetensors"))
        trainer.model.arena.parameters.first { $0.name == "neck.fc1.weight" }!.valuePointer[0] = .nan
        XCTAssertThrowsError(try trainer.run()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("NaN/Inf at step \(trainer.state.globalStep)"), text)
            XCTAssertTrue(text.contains("last good checkpoint is intact"), text)
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: c.train.output + "/last/model.safetensors"))
        XCTAssertEqual(before, after)
        XCTAssertNoThrow(try Trainer(config: c, resume: true))
    }
}
