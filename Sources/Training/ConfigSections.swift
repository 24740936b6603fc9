import Datasets
import Imaging
import Model

/// Loss weights: `loss = classification_weight · CE + embedding_weight · margin + distillation_weight · KD`.
package struct LossSection: Codable, Sendable {
    package var classificationWeight: Float = 2
    package var embeddingWeight: Float = 1
    /// Weight of the knowledge-distillation term on the classification head (the `distillation` section);
    /// 0 turns it off and leaves training exactly as without it.
    package var distillationWeight: Float = 0
    /// Per-class weights for imbalance: a list (one per class), `balanced` (n / (K · count)), or absent.
    package var classWeights: ClassWeights = .none

    package init() {}

    package enum ClassWeights: Codable, Sendable, Equatable {
        case none, balanced, explicit([Float])

        package init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .none
                return
            }
            if let s = try? c.decode(String.self) {
                guard s == "balanced" || s == "none" else {
                    throw DecodingError.dataCorruptedError(
                        in: c, debugDescription: "class_weights: a list, 'balanced' or 'none'")
                }
                self = s == "balanced" ? .balanced : .none
                return
            }
            self = .explicit(try c.decode([Float].self))
        }

        package func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .none: try c.encode("none")
            case .balanced: try c.encode("balanced")
            case .explicit(let w): try c.encode(w)
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case classificationWeight = "classification_weight", embeddingWeight = "embedding_weight", classWeights =
            "class_weights"
        case distillationWeight = "distillation_weight"
    }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        classificationWeight = try c.value(
            .classificationWeight, or: classificationWeight, "must be finite and ≥ 0", where: { $0.isFinite && $0 >= 0 }
        )
        embeddingWeight = try c.value(
            .embeddingWeight, or: embeddingWeight, "must be finite and ≥ 0", where: { $0.isFinite && $0 >= 0 })
        distillationWeight = try c.value(
            .distillationWeight, or: distillationWeight, "must be finite and ≥ 0", where: { $0.isFinite && $0 >= 0 })
        classWeights = try c.value(.classWeights, or: ClassWeights.none)
        if case .explicit(let w) = classWeights, !w.allSatisfy({ $0.isFinite && $0 > 0 }) {
            throw DecodingError.dataCorruptedError(
                forKey: .classWeights, in: c, debugDescription: "\(w): every class weight must be finite and > 0")
        }
    }
}

package struct DataSection: Codable, Sendable {
    package var train = "Data/dataset/train.csv"
    package var val: String? = "Data/dataset/val.csv"
    package var identityMode: IdentityMode = .template
    /// Instance mode: rotation/flip variants per image counted as separate identities (1, 2, 4 or 8).
    package var variants = 1
    /// The decoded cache is this much larger than the input, so crops and shifts have pixels to use.
    package var cacheScale = 1.125
    package var augmentation = AugmentationSettings()

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case train, val, identityMode = "identity_mode", variants, cacheScale = "cache_scale", augmentation
    }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        train = try c.value(.train, or: train)
        val = try c.decodeIfPresent(String.self, forKey: .val)
        identityMode = try c.value(.identityMode, or: identityMode)
        variants = try c.value(.variants, or: variants)
        guard [1, 2, 4, 8].contains(variants) else {
            throw DecodingError.dataCorruptedError(forKey: .variants, in: c, debugDescription: "must be 1, 2, 4 or 8")
        }
        cacheScale = try c.value(
            .cacheScale, or: cacheScale, "must be in 1…4 (the cache is this much larger than the input)",
            where: { (1...4).contains($0) })
        augmentation = try c.decodeIfPresent(AugmentationSection.self, forKey: .augmentation)?.settings ?? augmentation
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(train, forKey: .train)
        try c.encodeIfPresent(val, forKey: .val)
        try c.encode(identityMode, forKey: .identityMode)
        try c.encode(variants, forKey: .variants)
        try c.encode(cacheScale, forKey: .cacheScale)
        try c.encode(AugmentationSection(augmentation), forKey: .augmentation)
    }
}

package struct TrainSection: Codable, Sendable {
    package var epochs = 20
    /// Optimizer steps to run instead of epochs (when set).
    package var steps: Int?
    package var batchSize = 64
    /// Micro-batches per optimizer step.
    package var accumulation = 1
    package var learningRate: Float = 2e-3
    package var weightDecay: Float = 0.05
    package var warmupSteps = 100
    /// `cosine` or `poly` (polynomial, power `poly_power`), after the linear warm-up.
    package var schedule: Schedule = .cosine
    package var polyPower = 1.0
    package var minLearningRate: Float = 0
    package var clipNorm: Double = 5
    package var seed: UInt64 = 0
    /// `macro_f1` (classification head) or `tpr_at_fpr_1e-4` (embedding head over validation pairs).
    package var validationMetric: ValidationMetric = .macroF1
    package var output = "runs/default"
    /// Under `mpirun`: BatchNorm statistics over every rank's rows (PyTorch's `SyncBatchNorm`) instead of each
    /// rank's own; no effect in one process.
    package var syncBN = false
    /// Under `mpirun`: each rank holds only its share of the margin centres (model-parallel PartialFC) instead
    /// of all of them; no effect in one process.
    package var shardMargin = false

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs, steps, batchSize = "batch_size", accumulation, learningRate = "learning_rate", weightDecay =
            "weight_decay"
        case warmupSteps = "warmup_steps", schedule, polyPower = "poly_power", minLearningRate = "min_learning_rate"
        case clipNorm = "clip_norm", seed, validationMetric = "validation_metric", output, syncBN = "sync_bn"
        case shardMargin = "shard_margin"
    }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.value(.epochs, or: epochs, "must be at least 1", where: { $0 >= 1 })
        steps = try c.decodeIfPresent(Int.self, forKey: .steps)
        if let steps, steps < 1 {
            throw DecodingError.dataCorruptedError(
                forKey: .steps, in: c, debugDescription: "\(steps) must be at least 1")
        }
        batchSize = try c.value(.batchSize, or: batchSize)
        guard batchSize >= 2 else {
            throw DecodingError.dataCorruptedError(
                forKey: .batchSize, in: c, debugDescription: "must be at least 2 (BatchNorm)")
        }
        accumulation = try c.value(
            .accumulation, or: accumulation, "must be at least 1 (micro-batches per step)", where: { $0 >= 1 })
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
            .clipNorm, or: clipNorm, "must be finite and > 0 (a large value such as 1e9 turns clipping off)",
            where: { $0.isFinite && $0 > 0 })
        seed = try c.value(.seed, or: seed)
        validationMetric = try c.choice(.validationMetric, or: validationMetric)
        output = try c.value(.output, or: output)
        syncBN = try c.value(.syncBN, or: syncBN)
        shardMargin = try c.value(.shardMargin, or: shardMargin)
    }
}
