import Foundation
import TestSupport
import XCTest

/// `classify-and-embed train`: one epoch of a tiny config (see `TinyTraining`), its outputs, the trained
/// model in use, `--resume` of a finished run, and config errors.
final class TrainCLITests: XCTestCase {
    struct TrainerJSON: Decodable {
        var epoch: Int
        var globalStep: Int
    }

    /// Exit 0; config.yaml, log.jsonl and both checkpoints written; `--epochs 1` overrode the config's 5.
    func testOneEpochWritesCheckpoints() throws {
        let run = try TinyTraining.run()
        assertExit(run.result, 0)
        let fm = FileManager.default
        for file in [
            "config.yaml", "log.jsonl", "last/model.safetensors", "last/optimizer.safetensors", "last/trainer.json",
            "best/model.safetensors",
        ] {
            XCTAssertTrue(fm.fileExists(atPath: run.output.appendingPathComponent(file).path), file)
        }
        XCTAssertTrue(run.result.stdout.contains("epoch 1/1 done"), run.result.stdout)
        let state = try JSONDecoder().decode(
            TrainerJSON.self, from: Data(contentsOf: run.output.appendingPathComponent("last/trainer.json")))
        XCTAssertEqual(state.epoch, 1)
        XCTAssertEqual(state.globalStep, TinyTraining.rows / TinyTraining.batchSize)
        let log = try String(contentsOf: run.output.appendingPathComponent("log.jsonl"), encoding: .utf8)
        let kinds = log.split(separator: "\n").compactMap { line -> String? in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["kind"] as? String
        }
        XCTAssertEqual(kinds.filter { $0 == "step" }.count, 3, log)
        XCTAssertEqual(kinds.filter { $0 == "epoch" }.count, 1, log)
        let resolved = try String(contentsOf: run.output.appendingPathComponent("config.yaml"), encoding: .utf8)
        XCTAssertTrue(resolved.contains("input_size: 64"), resolved)
        XCTAssertTrue(resolved.contains("epochs: 1"), "the resolved config holds the override: \(resolved)")

        let spec = try XCTUnwrap(safeTensorsMetadata(run.model)["model_spec"])
        XCTAssertTrue(spec.contains("\"inputSize\":64"), spec)
        XCTAssertTrue(spec.contains("\"embeddingSize\":32"), spec)
    }

    /// The trained model classifies and embeds with `--model`; it is a different model from the shipped one.
    func testTrainedModelPredicts() throws {
        let run = try TinyTraining.run()
        let r = try tool(["--model", run.model.path, "Data/samples/screen_1.jpg", "--json"])
        assertExit(r, 0)
        let p = try XCTUnwrap(try decodeLines(PredictionLine.self, r).first)
        XCTAssertTrue(p.ok)
        XCTAssertTrue(Tool.classNames.contains(p.class ?? ""), "\(p.class ?? "nil")")
        XCTAssertEqual(p.embeddingSize, 32)
        XCTAssertEqual(try XCTUnwrap(p.probabilities).values.reduce(0, +), 1, accuracy: 1e-4)
        let shipped = try XCTUnwrap(
            try decodeLines(PredictionLine.self, try tool(["Data/samples/screen_1.jpg", "--json"])).first)
        XCTAssertNotEqual(p.modelID, shipped.modelID)
    }

    /// A freshly trained model has no threshold table: `verify` without `--threshold` says how to make one.
    func testTrainedModelHasNoThresholdTable() throws {
        let run = try TinyTraining.run()
        let r = try tool([
            "verify", "Data/samples/screen_1.jpg", "Data/samples/screen_1.jpg", "--model", run.model.path,
        ])
        assertExit(r, 1)
        XCTAssertTrue(r.stderr.contains("has no threshold table"), r.stderr)
        let hand = try tool([
            "verify", "Data/samples/screen_1.jpg", "Data/samples/screen_1.jpg", "--model", run.model.path,
            "--threshold", "0.5",
        ])
        assertExit(hand, 0)
    }

    /// `--resume` of a run that already reached its last epoch: exit 0, no step taken, the checkpoints and the
    /// log left as they were, and it says so.
    func testResumeOfAFinishedRun() throws {
        let run = try TinyTraining.run()
        let files = ["last/trainer.json", "last/model.safetensors", "best/model.safetensors", "log.jsonl"]
        let before = try files.map { try Data(contentsOf: run.output.appendingPathComponent($0)) }
        let r = try tool([
            "train", "--config", run.config.path, "--output", run.output.path, "--epochs", "1", "--resume",
        ])
        assertExit(r, 0)
        XCTAssertTrue(r.stdout.contains("nothing to do: \(run.output.path) finished at epoch 1 of 1"), r.stdout)
        XCTAssertFalse(r.stdout.contains(" done"), "no epoch was run: \(r.stdout)")
        for (file, data) in zip(files, before) {
            XCTAssertEqual(try Data(contentsOf: run.output.appendingPathComponent(file)), data, "\(file) changed")
        }
    }

    /// A new run into a folder that already holds a checkpoint is refused and changes nothing.
    func testANewRunDoesNotOverwriteACheckpoint() throws {
        let run = try TinyTraining.run()
        let before = try Data(contentsOf: run.output.appendingPathComponent("last/model.safetensors"))
        let r = try tool(["train", "--config", run.config.path, "--output", run.output.path, "--epochs", "1"])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("already holds a checkpoint (last/); continue it with --resume"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: run.output.appendingPathComponent("last/model.safetensors")), before)
    }

    /// `--resume` where there is no checkpoint: an error naming the folder, not a fresh start.
    func testResumeWithoutCheckpoint() throws {
        let run = try TinyTraining.run()
        let temp = try TemporaryDirectory()
        let output = temp.file("never-trained")
        let r = try tool(["train", "--config", run.config.path, "--output", output.path, "--resume"])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("\(output.path)/last"), r.stderr)
        XCTAssertTrue(r.stderr.contains("no checkpoint there to resume from"), r.stderr)
    }

    /// An unknown key stops before training, naming the file and the dotted key, with a suggestion.
    func testUnknownConfigKeyIsNamed() throws {
        let temp = try TemporaryDirectory()
        let base = try TinyTraining.writeDataSetAndConfig(in: temp)
        let bad = try temp.write(
            "extends: \(base.lastPathComponent)\ntrain:\n  learning_rte: 0.1\n", to: "bad.yaml")
        let r = try tool(["train", "--config", bad.path, "--output", temp.file("run").path])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains(bad.path), r.stderr)
        XCTAssertTrue(r.stderr.contains("train.learning_rte"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean 'learning_rate'"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temp.file("run").path), "nothing written")
    }

    /// A missing config file is named.
    func testMissingConfigIsNamed() throws {
        let r = try tool(["train", "--config", "Configs/no_such_config.yaml"])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("Configs/no_such_config.yaml"), r.stderr)
        XCTAssertTrue(r.stderr.contains("no such file"), r.stderr)
    }
}
