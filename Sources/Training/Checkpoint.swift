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
    /// The ranks the margin centres are split over (`train.shard_margin`): each rank's share is in
    /// `margin.rank-R-of-W.safetensors`. Nil: the centres are in `optimizer.safetensors`.
    package var marginShards: Int?
}

/// A checkpoint folder: `model.safetensors` (the model file), `optimizer.safetensors` (AdamW moments of
/// the arena, margin centres and their moments) and `trainer.json`. A folder is written beside its final
/// name and swapped in with renames, so an interrupted save leaves the previous checkpoint intact.
package enum Checkpoint {
    /// Saves a complete checkpoint into `folder` through `CheckpointSwap` (see there for why every
    /// intermediate state is recoverable). `trainer.json` is written last: it marks the folder complete.
    ///
    /// Under `mpirun` rank 0 writes the checkpoint and the other ranks return at once, except with a sharded
    /// margin: then every rank must call this; each writes its share of the centres into the folder being
    /// written (between two barriers) before rank 0 completes and swaps it in, so a checkpoint is every rank's
    /// share or none.
    package static func save(
        to folder: URL, model: JointModel, preprocessing: Preprocessing, margin: MarginClassifier?,
        state: TrainerState, provenance: [String: String] = [:], group: Communicator = SingleProcessCommunicator()
    ) throws {
        let shards = margin?.shardGroup
        if !group.isLeader {
            guard let shards, let margin else { return }
            shards.barrier()
            try writeShard(margin, into: CheckpointSwap.staging(folder), group: shards)
            shards.barrier()
            shards.barrier()
            return
        }
        var state = state
        state.marginShards = shards?.size
        do {
            try CheckpointSwap.save(folder) { staging in
                if let shards, let margin {
                    shards.barrier()
                    try writeShard(margin, into: staging, group: shards)
                    shards.barrier()
                }
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
        // Every rank returns once the checkpoint is in place.
        shards?.barrier()
    }

    /// The file of rank `rank`'s share of the margin centres among `size`.
    package static func shardFile(rank: Int, size: Int) -> String { "margin.rank-\(rank)-of-\(size).safetensors" }

    private static func writeShard(_ margin: MarginClassifier, into staging: URL, group: Communicator) throws {
        var file = SafeTensorsWriter()
        addMargin(margin, to: &file)
        try file.write(to: staging.appendingPathComponent(shardFile(rank: group.rank, size: group.size)))
    }

    private static func addMargin(_ margin: MarginClassifier, to file: inout SafeTensorsWriter) {
        let shape = [margin.rows, margin.dimension]
        let n = margin.rows * margin.dimension
        file.add("margin.weight", shape: shape, values: UnsafeBufferPointer(start: margin.weight.pointer, count: n))
        file.add("margin.moment1", shape: shape, values: UnsafeBufferPointer(start: margin.moment1.pointer, count: n))
        file.add("margin.moment2", shape: shape, values: UnsafeBufferPointer(start: margin.moment2.pointer, count: n))
    }

    /// AdamW moments of the arena, and the margin centres with their moments.
    private static func optimizerState(model: JointModel, margin: MarginClassifier?) -> SafeTensorsWriter {
        var opt = SafeTensorsWriter()
        let a = model.arena
        opt.add("moment1", shape: [a.count], values: UnsafeBufferPointer(start: a.moment1Pointer, count: a.count))
        opt.add("moment2", shape: [a.count], values: UnsafeBufferPointer(start: a.moment2Pointer, count: a.count))
        if let margin, margin.shardGroup == nil { addMargin(margin, to: &opt) }
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
            let ranks = margin.shardGroup?.size
            guard state.marginShards == ranks else {
                throw TrainingError.badCheckpoint(
                    folder.path,
                    "its margin centres are "
                        + (state.marginShards.map { "split over \($0) ranks (train.shard_margin)" } ?? "in one file")
                        + ", this run " + (ranks.map { "splits them over \($0) ranks" } ?? "holds them in one process")
                        + ": resume with the same number of ranks and the same train.shard_margin")
            }
            let n = margin.rows * margin.dimension
            let source: SafeTensorsFile
            if let shards = margin.shardGroup {
                source = try SafeTensorsFile(
                    contentsOf: folder.appendingPathComponent(shardFile(rank: shards.rank, size: shards.size)))
            } else {
                source = opt
            }
            func copyMargin(_ name: String, into p: UnsafeMutablePointer<Float>) throws {
                let v = try source.floats(name).values
                guard v.count == n else {
                    throw TrainingError.badCheckpoint(source.file, "\(name) has \(v.count) values, expected \(n)")
                }
                v.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: n) }
            }
            try copyMargin("margin.weight", into: margin.weight.pointer)
            try copyMargin("margin.moment1", into: margin.moment1.pointer)
            try copyMargin("margin.moment2", into: margin.moment2.pointer)
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
