import Engine
import Foundation

/// Knowledge distillation on class logits (Hinton et al.): `T² · KL(q ‖ softmax(z / T))`, averaged over the
/// rows, where q are a teacher's class probabilities at the same temperature T. The T² keeps the gradient's
/// size independent of T, so the loss weight means the same at every temperature.
///
/// `multiclass`: K logits per row against K probabilities. `binary`: one logit per row (sigmoid), against
/// the teacher's probability of label 1 (the second of two probabilities per row), as in `CrossEntropy`.
package struct SoftTargetKL: Sendable {
    package var temperature: Float
    package var mode: CrossEntropy.Mode

    package init(temperature: Float, mode: CrossEntropy.Mode = .multiclass) {
        precondition(temperature.isFinite && temperature > 0, "the temperature must be finite and > 0")
        self.temperature = temperature
        self.mode = mode
    }

    /// Target columns per row: K for a multiclass head, 2 for a binary one.
    package func targetColumns(logitColumns k: Int) -> Int { mode == .binary ? 2 : k }

    /// Returns `scale ·` the mean KD loss over the batch and **adds** its gradient with respect to the logits
    /// into `gradient` (which may already hold another loss's). `targets` holds `targetColumns` probabilities
    /// per row, summing to 1. `batchRows`: the whole batch's rows when these are one rank's share of it (the
    /// mean is over the whole batch).
    package func callAsFunction(
        logits: Tensor, targets: UnsafePointer<Float>, gradient: Tensor, scale: Float = 1, batchRows: Int? = nil
    ) -> Float {
        let b = logits[0]
        let mean = batchRows ?? b
        let k = logits.count / b
        precondition(gradient.count == logits.count, "gradient \(gradient.shape) for logits \(logits.shape)")
        guard b > 0 else { return 0 }
        let t = Double(temperature)
        // d/dz [T² · KL(q ‖ softmax(z/T))] = T · (softmax(z/T) − q).
        let gradScale = Float(t) * scale / Float(mean)
        var total = 0.0
        for i in 0..<b {
            let row = logits.data + i * k
            let g = gradient.data + i * k
            switch mode {
            case .multiclass:
                let q = targets + i * k
                var mx = -Double.infinity
                for j in 0..<k { mx = max(mx, Double(row[j]) / t) }
                var z = 0.0
                for j in 0..<k { z += Foundation.exp(Double(row[j]) / t - mx) }
                let logZ = mx + Foundation.log(z)
                for j in 0..<k {
                    let logP = Double(row[j]) / t - logZ
                    let qj = Double(q[j])
                    if qj > 0 { total += qj * (Foundation.log(qj) - logP) }
                    g[j] += gradScale * Float(Foundation.exp(logP) - qj)
                }
            case .binary:
                precondition(k == 1, "a binary head has one logit per row")
                let q = Double(targets[2 * i + 1])
                let x = Double(row[0]) / t
                // log σ(x) = −log(1 + e^{−x}); log(1 − σ(x)) = −log(1 + e^{x}); both stable for either sign.
                let logP = -(Foundation.log1p(Foundation.exp(-abs(x))) + max(-x, 0))
                let logNotP = -(Foundation.log1p(Foundation.exp(-abs(x))) + max(x, 0))
                if q > 0 { total += q * (Foundation.log(q) - logP) }
                if q < 1 { total += (1 - q) * (Foundation.log(1 - q) - logNotP) }
                g[0] += gradScale * Float(Foundation.exp(logP) - q)
            }
        }
        return Float(total * t * t / Double(mean)) * scale
    }
}
