import Datasets
import Engine
import Foundation
import Model
import Objectives

/// The parts of joint training that `model.init` and knowledge distillation add, kept apart from the
/// training loop: the KD term on the classification head and the provenance stamped into model files.
extension Trainer {
    /// Whether the KD term runs (a weight > 0 and targets to use).
    var distillationIsOn: Bool { distillation != nil }

    /// Adds `distillation_weight ·` the KD loss of `batch` (scaled by `scale`, 1/micro-batches) into
    /// `gradient` and returns the loss; nil when the term is off.
    func distillationTerm(logits: Tensor, batch: Batch, gradient: Tensor, scale: Float) -> Float? {
        guard let distillation, let softTargets else { return nil }
        let targets = softTargets.probabilities(rows: batch.rows, temperature: distillation.temperature)
        return targets.withUnsafeBufferPointer {
            distillation(
                logits: logits, targets: $0.baseAddress!, gradient: gradient,
                scale: config.loss.distillationWeight * scale,
                batchRows: group.size > 1 ? batch.batchLabels.count : nil)
        }
    }

    /// The `provenance` metadata (JSON): the config file (path and name: its file name without `.yaml`),
    /// the init file (path, kind, SHA-256, size, and that file's own provenance) and the KD settings with their
    /// targets' origin; null for each that is not used.
    static func provenanceJSON(init record: InitRecord?, config: TrainConfig, softTargets: SoftTargets?) -> String {
        var object: [String: Any] = ["init": record?.json ?? NSNull(), "distillation": NSNull(), "config": NSNull()]
        if let source = config.source {
            object["config"] = ["path": source.path, "name": source.deletingPathExtension().lastPathComponent]
        }
        if config.loss.distillationWeight > 0, let softTargets {
            var kd: [String: Any] = [
                "weight": Double(config.loss.distillationWeight),
                "temperature": Double(config.distillation.temperature),
                "probe_folds": config.distillation.probeFolds, "probe_l2": Double(config.distillation.probeL2),
                "probe_steps": config.distillation.probeSteps,
            ]
            if let targets = try? JSONSerialization.jsonObject(with: Data(softTargets.provenance.utf8)) {
                kd["targets"] = targets
            }
            object["distillation"] = kd
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// A KD setting that cannot run.
package struct DistillationSetupError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { "knowledge distillation: \(message)" }
}

extension Trainer {
    /// The KD term for `config` and its targets, checked against the training split (`rows` rows); both nil
    /// when `loss.distillation_weight` is 0, whatever targets were passed.
    static func makeDistillationTerm(
        _ config: TrainConfig, rows: Int, _ targets: SoftTargets?
    ) throws -> (SoftTargetKL?, SoftTargets?) {
        guard config.loss.distillationWeight > 0 else { return (nil, nil) }
        guard let targets else {
            throw DistillationSetupError(
                message: "loss.distillation_weight is \(config.loss.distillationWeight) but no soft targets were "
                    + "given (`classify-and-embed train` makes them from the teacher; see the distillation section)")
        }
        let spec = config.model.spec
        let mode: CrossEntropy.Mode = spec.classMode == .binary ? .binary : .multiclass
        let kd = SoftTargetKL(temperature: config.distillation.temperature, mode: mode)
        let columns = kd.targetColumns(logitColumns: spec.classOutputs)
        guard targets.rows == rows, targets.classes == columns else {
            throw DistillationSetupError(
                message: "the soft targets have \(targets.rows) rows × \(targets.classes) classes; the training "
                    + "split has \(rows) rows and the head needs \(columns)")
        }
        return (kd, targets)
    }
}
