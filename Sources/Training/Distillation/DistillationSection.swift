import Foundation

/// The knowledge-distillation term of joint training (`distillation:` in a training config), used only when
/// `loss.distillation_weight` > 0. A linear probe (multinomial logistic regression) is fitted on the
/// teacher's pooled features of the training split; its class logits, softened by `temperature`, are the
/// soft targets of a KL term on the classification head. Each image's targets come from a probe fitted on
/// the other folds (cross-fitting), so they carry the teacher's uncertainty rather than the memorised label.
package struct DistillationSection: Codable, Sendable, Equatable {
    /// The teacher's weights (the EfficientNet-Lite0 `.pth` that `Tools/setup --teacher` fetches); relative to
    /// the config file's folder like the data paths (the default, to the current folder).
    package var teacher = ".build/teacher/efficientnet-lite0-57934424.pth"
    /// Softmax temperature of the soft targets and of the student's logits in the KL term.
    package var temperature: Float = 2
    /// Folds of the cross-fitted probe (2…20).
    package var probeFolds = 5
    /// L2 penalty of the probe's weights.
    package var probeL2: Float = 1e-4
    /// Full-batch Adam steps per probe fit.
    package var probeSteps = 300
    /// Where the probe's logits are cached (safetensors); default `<train.output>/kd-targets.safetensors`.
    /// A cache made for another split, teacher, input size or probe setting is recomputed.
    package var targets: String?

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case teacher, temperature, probeFolds = "probe_folds", probeL2 = "probe_l2", probeSteps = "probe_steps"
        case targets
    }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        teacher = try c.value(.teacher, or: teacher, "must name a file", where: { !$0.isEmpty })
        temperature = try c.value(
            .temperature, or: temperature, "must be finite and > 0", where: { $0.isFinite && $0 > 0 })
        probeFolds = try c.value(.probeFolds, or: probeFolds, "must be in 2…20", where: { (2...20).contains($0) })
        probeL2 = try c.value(.probeL2, or: probeL2, "must be finite and ≥ 0", where: { $0.isFinite && $0 >= 0 })
        probeSteps = try c.value(
            .probeSteps, or: probeSteps, "must be in 1…100000", where: { (1...100_000).contains($0) })
        targets = try c.decodeIfPresent(String.self, forKey: .targets)
    }
}
