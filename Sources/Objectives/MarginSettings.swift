import Glibc

/// The margin-softmax family on normalised features and class centres: the target logit becomes
/// `cos(m1·θ + m2) − m3` and every logit is multiplied by `s`. Softmax = (1, 0, 0), CosFace = (1, 0, 0.4),
/// ArcFace = (1, 0.5, 0); any other triple is a combined margin.
package struct MarginSettings: Codable, Equatable, Sendable {
    package var scale: Float = 64
    package var m1: Float = 1
    package var m2: Float = 0
    package var m3: Float = 0.4
    /// Sub-centres per class (k); a class's cosine is the largest of its k centres.
    package var subCenters: Int = 1
    /// PartialFC: fraction of classes whose centres take part in a step (positives always do).
    package var sampleRate: Float = 1

    package init(
        scale: Float = 64, m1: Float = 1, m2: Float = 0, m3: Float = 0.4, subCenters: Int = 1, sampleRate: Float = 1
    ) {
        self.scale = scale
        self.m1 = m1
        self.m2 = m2
        self.m3 = m3
        self.subCenters = subCenters
        self.sampleRate = sampleRate
    }

    package static let softmax = MarginSettings(m1: 1, m2: 0, m3: 0)
    package static let cosFace = MarginSettings(m1: 1, m2: 0, m3: 0.4)
    package static let arcFace = MarginSettings(m1: 1, m2: 0.5, m3: 0)

    /// The margin-adjusted target cosine and its derivative d(target)/d(cos θ).
    ///
    /// When `m1·θ + m2 > π` the angular margin would stop being monotonic; like insightface's ArcFace we
    /// then use `cos θ − m3 − sin(π − m2)·m2`, whose derivative is 1. The epsilon inside
    /// `sqrt(1 − cos²)` keeps the derivative finite at cos θ = ±1.
    @inline(__always)
    package func target(_ c: Float) -> (value: Float, derivative: Float) {
        if m1 == 1 && m2 == 0 { return (c - m3, 1) }
        let theta = acosf(c)
        let angle = m1 * theta + m2
        if angle > .pi { return (c - m3 - sinf(.pi - m2) * m2, 1) }
        return (cosf(angle) - m3, m1 * sinf(angle) / (1 - c * c + 1e-7).squareRoot())
    }
}
