import Engine
import Foundation
import Imaging
import Layers
import Model
import Objectives

/// What the trainer needs besides the tensors to continue exactly where it stopped.
package struct TrainerState: Codable, Sendable {
    /// The `trainer.json` layout this code writes and reads; a checkpoint of another version is refused on
    /// resume rather than misread.
    package static let currentVersion = 1
    package var version = currentVersion
    /// Epochs completed.
    package var epoch = 0
    /// Optimizer steps taken.
    package var globalStep = 0
    package var metricName = "macro_f1"
    package var bestMetric: Double?
    package var bestEpoch: Int?
    package var optimizer: AdamW
    package var marginGenerator: SeededGenerator?
    package var dropoutGenerator: SeededGenerator
    package var arenaCount: Int
}

/// A checkpoint folder: `model.safetensors` (the model file), `optimizer.safetensors` (AdamW moments of
/// the arena, margin centres and their moments) and `trainer.json`. A folder is written beside its final
/// name and swapped in with renames, so an interrupted save leaves the previous checkpoint intact.
package enum Checkpoint {
    /// Saves a complete checkpoint into `folder` through `CheckpointSwap` (see there for why every
    /// intermediate state is recoverable). `trainer.json` is written last: it marks the folder complete.
    package static func save(
        to folder: URL, model: JointModel, preprocessing: Preprocessing, margin: MarginClassifier?,
        state: TrainerState, provenance: [String: String] = [:]
    ) throws {
        do {
            try CheckpointSwap.save(folder) { staging in
                try ModelFile.write(
                    model.namedTensors, spec: model.spec, preprocessing: preprocessing, extra: provenance,
                    to: staging.appendingPathComponent("model.safetensors"))
                try CheckpointSwap.step()
                try optimizerState(model: model, margin: margin)
                    .write(to: staging.appendingPathComponent("optimizer.safetensors"))
                try CheckpointSwap.step()
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicFile.write(
                    try encoder.encode(state), to: staging.appendingPathComponent(CheckpointSwap.marker))
                try CheckpointSwap.step()
            }
        } catch let e as CheckpointInterrupted {
            throw e
        } catch {
            throw TrainingError.saveFailed(folder.path, "\(error)")
        }
    }

    /// AdamW moments of the arena, and the margin centres with their moments.
    private static func optimizerState(model: JointModel, margin: MarginClassifier?) -> SafeTensorsWriter {
        var opt = SafeTensorsWriter()
        let a = model.arena
        opt.add("moment1", shape: [a.count], values: UnsafeBufferPointer(start: a.moment1Pointer, count: a.count))
        opt.add("moment2", shape: [a.count], values: UnsafeBufferPointer(start: a.moment2Pointer, count: a.count))
        if let margin {
            let shape = [margin.rows, margin.dimension]
            let n = margin.rows * margin.dimension
            opt.add("margin.weight", shape: shape, values: UnsafeBufferPointer(start: margin.weight.pointer, count: n))
            opt.add(
                "margin.moment1", shape: shape, values: UnsafeBufferPointer(start: margin.moment1.pointer, count: n))
            opt.add(
                "margin.moment2", shape: shape, values: UnsafeBufferPointer(start: margin.moment2.pointer, count: n))
        }
        return opt
    }

    /// The trainer state a complete checkpoint folder holds, or nil.
    package static func state(in folder: URL) -> TrainerState? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(CheckpointSwap.marker)) else { return nil }
        return try? JSONDecoder().decode(TrainerState.self, from: data)
    }

    /// Restores tensors, moments and margin state into an already-built model; returns the trainer state.
    package static func restore(from folder: URL, model: JointModel, margin: MarginClassifier?) throws -> TrainerState {
        let stateURL = folder.appendingPathComponent("trainer.json")
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: Data(contentsOf: stateURL)) } catch {
            throw TrainingError.badCheckpoint(stateURL.path, "\(error)")
        }
        guard state.version == TrainerState.currentVersion else {
            throw TrainingError.badCheckpoint(
                stateURL.path,
                "it is version \(state.version) of the checkpoint format; this tool reads version "
                    + "\(TrainerState.currentVersion). Start a new run (or resume with the tool that wrote it)")
        }
        guard state.arenaCount == model.arena.count else {
            throw TrainingError.badCheckpoint(
                folder.path,
                "it was made for a different model (\(state.arenaCount) parameters, this config has \(model.arena.count))"
            )
        }
        let modelFile = try ModelFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        try StateDict.load(model.namedTensors, from: modelFile.weights)
        let opt = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("optimizer.safetensors"))
        func copy(_ name: String, into p: UnsafeMutablePointer<Float>, count: Int) throws {
            let v = try opt.floats(name).values
            guard v.count == count else {
                throw TrainingError.badCheckpoint(opt.file, "\(name) has \(v.count) values, expected \(count)")
            }
            v.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: count) }
        }
        try copy("moment1", into: model.arena.moment1Pointer, count: model.arena.count)
        try copy("moment2", into: model.arena.moment2Pointer, count: model.arena.count)
        if let margin {
            let n = margin.rows * margin.dimension
            try copy("margin.weight", into: margin.weight.pointer, count: n)
            try copy("margin.moment1", into: margin.moment1.pointer, count: n)
            try copy("margin.moment2", into: margin.moment2.pointer, count: n)
            if let g = state.marginGenerator { margin.generator = g }
        }
        model.classifier.dropout.generator = state.dropoutGenerator
        return state
    }
}

/// Why training stopped early.
package enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(step: Int, epoch: Int, classification: Float, embedding: Float, lastCheckpoint: String?)
    case badCheckpoint(String, String)
    case nothingToTrain(String)
    case saveFailed(String, String)
    case runInUse(String, String)
    case interrupted(step: Int, lastCheckpoint: String?)

    package var description: String {
        switch self {
        case .nonFiniteLoss(let step, let epoch, let c, let e, let last):
            let keep =
                last.map { "The last good checkpoint is intact: \($0)." } ?? "No checkpoint had been written yet."
            return
                "training stopped: the loss became NaN/Inf at step \(step) (epoch \(epoch + 1); classification \(c), embedding \(e)). "
                + "\(keep) Lower train.learning_rate, check the data, or raise train.warmup_steps, then resume with --resume."
        case .badCheckpoint(let f, let r): return "\(f): cannot resume from this checkpoint: \(r)"
        case .nothingToTrain(let r): return "nothing to train: \(r)"
        case .saveFailed(let f, let r):
            return "\(f): cannot save the checkpoint (\(r)); the previous checkpoint there is intact"
        case .runInUse(let f, let r): return "\(f): \(r)"
        case .interrupted(let step, let last):
            return "training stopped on request at step \(step); "
                + (last.map { "the last checkpoint is intact: \($0); continue with --resume" }
                    ?? "no checkpoint had been written yet")
        }
    }
}

/// Thrown by tests' `CheckpointSwap.afterStep` hook to stop a save where a kill would.
package struct CheckpointInterrupted: Error {
    package init() {}
}
