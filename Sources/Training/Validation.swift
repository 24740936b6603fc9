import Datasets
import Engine
import Evaluation
import Foundation
import Layers
import Model

/// Per-epoch validation: classification macro-F1 and/or verification TPR@FPR=1e-4 over all pairs of the
/// validation split (eval mode, no augmentation).
package struct ValidationResult: Codable, Sendable {
    package var macroF1: Double?
    package var accuracy: Double?
    package var tprAtFPR1e4: Double?
    package var auroc: Double?

    package init() {}

    package func metric(_ metric: ValidationMetric) -> Double? {
        switch metric {
        case .macroF1: return macroF1
        case .tprAtFPR1e4: return tprAtFPR1e4
        }
    }
}

package enum Validation {
    /// Runs `model` over every batch of `loader` (which must not shuffle).
    package static func run(_ model: JointModel, loader: BatchLoader) -> ValidationResult {
        var truth: [Int] = []
        var predicted: [Int] = []
        var identities: [Int] = []
        var embeddings: [Float] = []
        let binary = model.spec.classMode == .binary
        for index in 0..<loader.batchesPerEpoch {
            let batch = loader.batch(epoch: 0, index: index, parallel: true)
            let (e, logits) = model.forward(batch.images, training: false)
            let normalized = l2Normalized(e)
            let k = logits.count / logits[0]
            let d = normalized.count / normalized[0]
            for i in 0..<batch.rows.count {
                if batch.labels[i] >= 0 {
                    truth.append(batch.labels[i])
                    if binary {
                        predicted.append(logits.data[i] >= 0 ? 1 : 0)
                    } else {
                        var best = 0
                        for j in 1..<k where logits.data[i * k + j] > logits.data[i * k + best] { best = j }
                        predicted.append(best)
                    }
                }
                if batch.identities[i] >= 0 {
                    identities.append(batch.identities[i])
                    embeddings.append(contentsOf: UnsafeBufferPointer(start: normalized.data + i * d, count: d))
                }
            }
        }
        var result = ValidationResult()
        if !truth.isEmpty {
            let m = ClassificationMetrics(
                truth: truth, predicted: predicted, classes: binary ? 2 : model.spec.classNames.count)
            result.macroF1 = m.macroF1
            result.accuracy = m.accuracy
        }
        if identities.count >= 2,
            let v = try? embeddings.withUnsafeBufferPointer({
                try PairVerification(
                    embeddings: $0.baseAddress!, count: identities.count,
                    dimension: embeddings.count / identities.count, identities: identities, targets: [1e-4])
            })
        {
            result.tprAtFPR1e4 = v.table[0].tpr
            result.auroc = v.auc
        }
        return result
    }
}
