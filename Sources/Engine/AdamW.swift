import Glibc

/// AdamW with PyTorch's semantics (`torch.optim.AdamW`): decoupled weight decay `p -= lr·wd·p`, then
/// `p -= lr/(1-β1ᵗ) · m / (sqrt(v)/sqrt(1-β2ᵗ) + eps)`. One pass over the arena's flat buffers per step.
package struct AdamW: Codable, Equatable, Sendable {
    package var learningRate: Float
    package var beta1: Float = 0.9
    package var beta2: Float = 0.999
    package var eps: Float = 1e-8
    package var weightDecay: Float = 0.01
    /// Number of steps taken (PyTorch's `step`), used for bias correction.
    package var step: Int = 0

    package init(
        learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
        weightDecay: Float = 0.01
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }

    /// Applies one update to every parameter in `arena` using its current gradients.
    package mutating func update(_ arena: ParameterArena) {
        step += 1
        let p = arena.valuesPointer
        let g = arena.gradsPointer
        let m = arena.moment1Pointer
        let v = arena.moment2Pointer
        let (ps, gs, ms, vs) = (SendablePointer(p), SendablePointer(g), SendablePointer(m), SendablePointer(v))
        let me = self
        for run in arena.decayRuns {
            let o = run.range.lowerBound
            Parallel.chunks(run.range.count, minimumPerWorker: 1 << 16) { _, r in
                let at = o + r.lowerBound
                me.apply(
                    values: ps.pointer + at, grads: gs.pointer + at, moment1: ms.pointer + at, moment2: vs.pointer + at,
                    count: r.count, decay: run.decay)
            }
        }
    }

    /// The AdamW update of one contiguous slice at the current `step` (already incremented for this step).
    /// Used by `update(_:)` and by lazily-updated parameters (PartialFC rows) that keep their own buffers.
    package func apply(
        values p: UnsafeMutablePointer<Float>, grads g: UnsafePointer<Float>,
        moment1 m: UnsafeMutablePointer<Float>, moment2 v: UnsafeMutablePointer<Float>,
        count: Int, decay: Bool
    ) {
        precondition(step >= 1, "AdamW.apply before the first step")
        let bc1 = 1 - pow(Double(beta1), Double(step))
        let bc2 = 1 - pow(Double(beta2), Double(step))
        let stepSize = Float(Double(learningRate) / bc1)
        let bc2Sqrt = Float(bc2.squareRoot())
        let b1 = beta1
        let b2 = beta2
        let e = eps
        let keep: Float = decay ? 1 - learningRate * weightDecay : 1
        for i in 0..<count {
            let gi = g[i]
            let mi = b1 * m[i] + (1 - b1) * gi
            let vi = b2 * v[i] + (1 - b2) * gi * gi
            m[i] = mi
            v[i] = vi
            p[i] = p[i] * keep - stepSize * mi / (vi.squareRoot() / bc2Sqrt + e)
        }
    }
}
