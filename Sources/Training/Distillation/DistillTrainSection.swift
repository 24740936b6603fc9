import Foundation
import Model

/// `train:` the optimisation of a distillation run: AdamW, linear warm-up then cosine or polynomial decay,
/// global-norm clipping. An epoch is every view of every training image once.
package struct DistillTrainSection: Codable, Sendable, Equatable {
    package var epochs = 10
    /// Optimizer steps to run instead of epochs (when set).
    package var steps: Int?
    package var batchSize = 64
    package var learningRate: Float = 2e-3
    package var weightDecay: Float = 0.05
    package var warmupSteps = 200
    package var schedule: Schedule = .cosine
    package var polyPower = 1.0
    package var minLearningRate: Float = 0
    package var clipNorm: Double = 5
    package var seed: UInt64 = 0
    /// The run folder: `config.yaml`, `log.jsonl`, `last/` (resumable checkpoint), `backbone.safetensors`.
    package var output = "runs/distill"

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs, steps, batchSize = "batch_size", learningRate = "learning_rate", weightDecay = "weight_decay"
        case warmupSteps = "warmup_steps", schedule, polyPower = "poly_power", minLearningRate = "min_learning_rate"
        case clipNorm = "clip_norm", seed, output
    }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.value(.epochs, or: epochs, "must be at least 1", where: { $0 >= 1 })
        steps = try c.decodeIfPresent(Int.self, forKey: .steps)
        if let steps, steps < 1 {
            throw DecodingError.dataCorruptedError(forKey: .steps, in: c, debugDescription: "\(steps) must be ≥ 1")
        }
        batchSize = try c.value(.batchSize, or: batchSize, "must be at least 2 (BatchNorm)", where: { $0 >= 2 })
        learningRate = try c.value(
            .learningRate, or: learningRate, "must be finite and > 0", where: { $0.isFinite && $0 > 0 })
        weightDecay = try c.value(
            .weightDecay, or: weightDecay, "must be finite and ≥ 0", where: { $0.isFinite && $0 >= 0 })
        warmupSteps = try c.value(.warmupSteps, or: warmupSteps, "must be ≥ 0", where: { $0 >= 0 })
        schedule = try c.choice(.schedule, or: schedule)
        polyPower = try c.value(.polyPower, or: polyPower, "must be finite and > 0", where: { $0.isFinite && $0 > 0 })
        minLearningRate = try c.value(
            .minLearningRate, or: minLearningRate, "must be finite, ≥ 0 and at most learning_rate",
            where: { [learningRate] in $0.isFinite && $0 >= 0 && $0 <= learningRate })
        clipNorm = try c.value(
            .clipNorm, or: clipNorm, "must be finite and > 0", where: { $0.isFinite && $0 > 0 })
        seed = try c.value(.seed, or: seed)
        output = try c.value(.output, or: output, "must name a folder", where: { !$0.isEmpty })
    }
}
