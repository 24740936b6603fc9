import Engine
import Foundation
import Layers
import Model

/// What a distillation run needs besides the tensors to continue exactly where it stopped.
package struct DistillationState: Codable, Sendable, Equatable {
    package static let currentVersion = 1
    package var version = currentVersion
    /// Epochs completed.
    package var epoch = 0
    /// Optimizer steps taken.
    package var globalStep = 0
    package var optimizer: AdamW
    package var arenaCount: Int
    /// `FeatureCacheDescription.key` of the teacher cache trained on: resuming against another is refused.
    package var cacheKey: String
    /// Mean cosine similarity to the teacher on the held-out images after each epoch.
    package var validationCosine: [Double] = []
    /// Seconds of training, summed over resumes.
    package var seconds: Double = 0
}

/// A distillation checkpoint folder: `student.safetensors` (backbone under timm names + projector),
/// `optimizer.safetensors` (AdamW moments) and `state.json` (written last). Saved and recovered by the same
/// protocol as the joint trainer's checkpoints (`CheckpointSwap`).
package enum DistillationCheckpoint {
    /// The file written last, whose presence marks a complete folder.
    static let marker = "state.json"

    /// Saves through `CheckpointSwap`, so every intermediate state of the save is recoverable.
    package static func save(to folder: URL, student: DistillationStudent, state: DistillationState) throws {
        try CheckpointSwap.save(folder, marker: marker) { staging in
            var weights = SafeTensorsWriter()
            for (name, tensor) in student.namedTensors {
                if name.hasSuffix("num_batches_tracked") {
                    weights.add(name, int64: Int64(tensor.data[0]))
                } else {
                    weights.add(name, tensor)
                }
            }
            try weights.write(to: staging.appendingPathComponent("student.safetensors"))
            var opt = SafeTensorsWriter()
            let a = student.arena
            opt.add("moment1", shape: [a.count], values: UnsafeBufferPointer(start: a.moment1Pointer, count: a.count))
            opt.add("moment2", shape: [a.count], values: UnsafeBufferPointer(start: a.moment2Pointer, count: a.count))
            try opt.write(to: staging.appendingPathComponent("optimizer.safetensors"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(state), to: staging.appendingPathComponent(marker))
        }
    }

    /// The folder to resume from after recovering it from any interrupted save, or nil.
    package static func existing(_ folder: URL) throws -> URL? {
        try CheckpointSwap.recover(folder, marker: marker)
        return CheckpointSwap.isComplete(folder, marker: marker) ? folder : nil
    }

    /// Restores tensors and moments into `student`; returns the state, checked against `cacheKey`.
    package static func restore(
        from folder: URL, student: DistillationStudent, cacheKey: String
    ) throws -> DistillationState {
        let stateURL = folder.appendingPathComponent("state.json")
        let state: DistillationState
        do { state = try JSONDecoder().decode(DistillationState.self, from: Data(contentsOf: stateURL)) } catch {
            throw TrainingError.badCheckpoint(stateURL.path, "\(error)")
        }
        guard state.version == DistillationState.currentVersion else {
            throw TrainingError.badCheckpoint(
                stateURL.path, "version \(state.version); this tool reads \(DistillationState.currentVersion)")
        }
        guard state.arenaCount == student.arena.count else {
            throw TrainingError.badCheckpoint(
                folder.path, "it has \(state.arenaCount) parameters, this config's student \(student.arena.count)")
        }
        guard state.cacheKey == cacheKey else {
            throw TrainingError.badCheckpoint(
                folder.path,
                "it was trained on teacher cache \(state.cacheKey), this config's is \(cacheKey) (pool, views or "
                    + "teacher changed); start a new run in another output folder")
        }
        let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("student.safetensors"))
        try StateDict.load(student.namedTensors, from: weights)
        let opt = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("optimizer.safetensors"))
        for (name, pointer) in [("moment1", student.arena.moment1Pointer), ("moment2", student.arena.moment2Pointer)] {
            let v = try opt.floats(name).values
            guard v.count == student.arena.count else {
                throw TrainingError.badCheckpoint(
                    opt.file, "\(name) has \(v.count) values, expected \(student.arena.count)")
            }
            v.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: v.count) }
        }
        return state
    }
}
