import Engine
import Foundation
import Layers
import Model
import Objectives
import TestSupport
import Training
import XCTest

/// Kills (simulated: the save stops on the spot, nothing is cleaned up) at every file-system step of the
/// checkpoint saves at the end of an epoch, then resumes: every run must resume, its `last/` and `best/` must
/// load and agree with `trainer.json`, and it must end where an uninterrupted run ends, with the same log.
final class CheckpointCrashTests: XCTestCase {
    private func config(_ output: URL) -> TrainConfig {
        var c = TrainConfig()
        c.model.spec.inputSize = 64
        c.model.spec.embeddingSize = 16
        c.model.spec.classHeadHidden = 16
        c.margin = MarginSettings(scale: 10, m1: 1, m2: 0, m3: 0.1)
        c.data.train = SyntheticData.sharedFolder.appendingPathComponent("train.csv").path
        c.data.val = nil  // every epoch "improves", so both last/ and best/ are saved each time
        c.data.augmentation.enabled = false
        c.train.epochs = 2
        c.train.batchSize = 32
        c.train.warmupSteps = 2
        c.train.output = output.path
        return c
    }

    private func logShape(_ folder: URL) throws -> [String] {
        try String(contentsOf: folder.appendingPathComponent("log.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { line in
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return "\(o["kind"]!) \(o["epoch"]!) \(o["step"]!)"
            }
    }

    func testAKillAtAnyStepOfASaveLeavesAResumableRun() throws {
        BLAS.configure()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let straightFolder = root.appendingPathComponent("straight")
        let straight = try Trainer(config: config(straightFolder))
        try straight.run()
        let expectedLog = try logShape(straightFolder)
        let firstEpoch = root.appendingPathComponent("epoch1")
        try Trainer(config: config(firstEpoch)).run(untilEpoch: 1)

        var k = 1
        var completedWithoutKill = false
        while !completedWithoutKill {
            let run = root.appendingPathComponent("kill-\(k)")
            try FileManager.default.copyItem(at: firstEpoch, to: run)
            CheckpointSwap.resetSteps()
            let killAt = k
            CheckpointSwap.afterStep = { step in if step == killAt { throw CheckpointInterrupted() } }
            do {
                try Trainer(config: config(run), resume: true).run()
                completedWithoutKill = true
            } catch is CheckpointInterrupted {
            }
            CheckpointSwap.afterStep = nil

            let resumed = try Trainer(config: config(run), resume: true)
            let last = run.appendingPathComponent("last")
            let best = run.appendingPathComponent("best")
            let lastState = try XCTUnwrap(Checkpoint.state(in: last), "kill at step \(k): last/trainer.json")
            let bestState = try XCTUnwrap(Checkpoint.state(in: best), "kill at step \(k): best/trainer.json")
            XCTAssertNoThrow(try ModelFile(contentsOf: last.appendingPathComponent("model.safetensors")))
            XCTAssertNoThrow(try ModelFile(contentsOf: best.appendingPathComponent("model.safetensors")))
            XCTAssertEqual(bestState.epoch, (lastState.bestEpoch ?? -1) + 1, "kill at step \(k): best/ is the best")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.path)
                .filter { $0.hasPrefix(".last") || $0.hasPrefix(".best") }
            XCTAssertEqual(leftovers, [], "kill at step \(k)")
            try resumed.run()
            let a = UnsafeBufferPointer(start: straight.model.arena.valuesPointer, count: straight.model.arena.count)
            let b = UnsafeBufferPointer(start: resumed.model.arena.valuesPointer, count: resumed.model.arena.count)
            XCTAssertLessThanOrEqual(zip(a, b).map { abs($0 - $1) }.max()!, 1e-6, "kill at step \(k): same weights")
            XCTAssertEqual(try logShape(run), expectedLog, "kill at step \(k): no lost or repeated log lines")
            k += 1
        }
        XCTAssertGreaterThanOrEqual(k, 10, "two saves of at least four steps each were interrupted")
    }

    func testTwoTrainersCannotWriteOneRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Trainer(config: config(folder))
        XCTAssertThrowsError(try Trainer(config: config(folder))) { error in
            XCTAssertTrue("\(error)".contains("another training process is writing this run"), "\(error)")
        }
        try first.run(untilEpoch: 1)
        XCTAssertThrowsError(try Trainer(config: config(folder))) { error in
            XCTAssertTrue("\(error)".contains("already holds a checkpoint"), "\(error)")
        }
        XCTAssertNoThrow(try Trainer(config: config(folder), resume: true))
    }

    /// Ctrl-C / SIGTERM (the signal handlers call `request()`): the run stops at the next step, after the save
    /// that was under way, and says where to resume from.
    func testAStopRequestEndsAtAStepAndKeepsTheCheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stop-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try Trainer(config: config(folder))
        trainer.onEpoch = { _, _ in trainer.stopRequest.request() }
        XCTAssertThrowsError(try trainer.run()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("stopped on request") && text.contains("last checkpoint is intact"), text)
        }
        let resumed = try Trainer(config: config(folder), resume: true)
        XCTAssertEqual(resumed.state.epoch, 1)
    }

    /// A save that fails (a full disk, say) names the reason and keeps the previous checkpoint.
    func testAFailedSaveKeepsThePreviousCheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("full-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Trainer(config: config(folder)).run(untilEpoch: 1)
        let before = try Data(contentsOf: folder.appendingPathComponent("last/model.safetensors"))
        CheckpointSwap.resetSteps()
        CheckpointSwap.afterStep = { step in
            if step == 2 { throw POSIXError(.ENOSPC) }
        }
        defer { CheckpointSwap.afterStep = nil }
        XCTAssertThrowsError(try Trainer(config: config(folder), resume: true).run()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("cannot save the checkpoint") && text.contains("intact"), text)
        }
        CheckpointSwap.afterStep = nil
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("last/model.safetensors")), before)
        XCTAssertEqual(try Trainer(config: config(folder), resume: true).state.epoch, 1)
    }
}
