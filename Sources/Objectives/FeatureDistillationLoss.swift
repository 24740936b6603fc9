import Engine
import Foundation

/// How the student's projected features are compared with the teacher's L2-normalised features.
package enum FeatureDistillationKind: String, Codable, Sendable, CaseIterable {
    /// `1 − cos(s, t)`: only the direction of the student's vector matters (the same as the squared distance
    /// of the two normalised vectors, halved).
    case cosine
    /// `‖s − t‖²`: the student's raw vector must also reach the teacher's unit length.
    case mse
}

/// Feature distillation: the per-row loss between a student's `[B, D]` output and the teacher's `[B, D]`
/// features, averaged over the rows.
package struct FeatureDistillationLoss: Sendable {
    package var kind: FeatureDistillationKind

    package init(kind: FeatureDistillationKind) { self.kind = kind }

    /// Returns `scale ·` the mean loss and the mean cosine similarity (a measure that reads the same for
    /// both kinds), and **writes** `scale ·` dLoss/dstudent into `gradient`.
    package func callAsFunction(
        student: Tensor, targets: UnsafePointer<Float>, gradient: Tensor, scale: Float = 1
    ) -> (loss: Float, cosine: Float) {
        let b = student[0]
        let d = student.count / b
        precondition(gradient.count == student.count, "gradient \(gradient.shape) for \(student.shape)")
        guard b > 0 else { return (0, 0) }
        let rowScale = scale / Float(b)
        var total = 0.0
        var cosines = 0.0
        for i in 0..<b {
            let s = student.data + i * d
            let t = targets + i * d
            let g = gradient.data + i * d
            let st = Double(Vectorized.dot(s, t, d))
            let ss = Double(Vectorized.dot(s, s, d))
            let tt = Double(Vectorized.dot(t, t, d))
            let sNorm = max(ss.squareRoot(), 1e-12)
            let tNorm = max(tt.squareRoot(), 1e-12)
            let cos = st / (sNorm * tNorm)
            cosines += cos
            switch kind {
            case .cosine:
                total += 1 - cos
                // d(1 − cos)/ds = −(t/|t| − cos · s/|s|) / |s|
                let a = Float(-1 / (tNorm * sNorm)) * rowScale
                let c = Float(cos / (sNorm * sNorm)) * rowScale
                for j in 0..<d { g[j] = a * t[j] + c * s[j] }
            case .mse:
                total += ss - 2 * st + tt
                let two = 2 * rowScale
                for j in 0..<d { g[j] = two * (s[j] - t[j]) }
            }
        }
        return (Float(total / Double(b)) * scale, Float(cosines / Double(b)))
    }
}
