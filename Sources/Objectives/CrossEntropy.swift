import Engine
import Foundation

/// Classification loss over `[B, K]` logits with optional class weights and masked rows (label −1).
///
/// `multiclass`: softmax cross-entropy; with class weights the mean is Σ wᵧ·ℓ / Σ wᵧ, like PyTorch's
/// `cross_entropy(weight=…, reduction="mean")`. `binary`: one logit per row, sigmoid + BCE, label 1 for the
/// positive class; class weights (negative, positive) weight rows the same way.
package struct CrossEntropy: Sendable {
    package enum Mode: String, Codable, Sendable { case multiclass, binary }

    package var mode: Mode
    package var classWeights: [Float]?

    package init(mode: Mode = .multiclass, classWeights: [Float]? = nil) {
        self.mode = mode
        self.classWeights = classWeights
    }

    /// Returns the mean loss (0 when every row is masked) and writes dL/dlogits into `gradient`
    /// (same shape as `logits`; masked rows get 0). `scale` multiplies both (the loss weight).
    ///
    /// `batchLabels` are the labels of the whole batch when these rows are one rank's share of it: the mean
    /// is then taken over the whole batch (the ranks' returned losses and gradients add up to one process's).
    package func callAsFunction(
        logits: Tensor, labels: [Int], gradient: Tensor, scale: Float = 1, batchLabels: [Int]? = nil
    ) -> Float {
        let b = logits[0]
        let k = logits.count / b
        precondition(labels.count == b, "cross-entropy: \(labels.count) labels for \(b) rows")
        gradient.fill(0)
        var total = 0.0
        var weightSum = 0.0
        let all = batchLabels ?? labels
        for y in all where y >= 0 { weightSum += Double(classWeights?[y] ?? 1) }
        guard weightSum > 0 else { return 0 }
        let norm = Float(1 / weightSum) * scale
        for i in 0..<b {
            let y = labels[i]
            guard y >= 0 else { continue }
            let w = classWeights?[y] ?? 1
            let row = logits.data + i * k
            let g = gradient.data + i * k
            switch mode {
            case .multiclass:
                precondition(y < k, "label \(y) outside \(k) classes")
                var mx = -Float.infinity
                for j in 0..<k { mx = max(mx, row[j]) }
                var z = 0.0
                for j in 0..<k { z += Foundation.exp(Double(row[j] - mx)) }
                let logZ = Double(mx) + Foundation.log(z)
                total += Double(w) * (logZ - Double(row[y]))
                for j in 0..<k {
                    let p = Float(Foundation.exp(Double(row[j]) - logZ))
                    g[j] = w * norm * (p - (j == y ? 1 : 0))
                }
            case .binary:
                precondition(k == 1 && y <= 1, "binary cross-entropy needs one logit and labels 0/1")
                let x = Double(row[0])
                // log(1 + e^{-|x|}) + max(x, 0) − x·y, stable for both signs.
                total += Double(w) * (Foundation.log1p(Foundation.exp(-abs(x))) + max(x, 0) - x * Double(y))
                let p = 1 / (1 + Foundation.exp(-x))
                g[0] = w * norm * Float(p - Double(y))
            }
        }
        return Float(total / weightSum) * scale
    }
}
