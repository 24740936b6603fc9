import Glibc

/// A margin of the margin-softmax family, as one small value (insightface's `CombinedMarginLoss`): it maps
/// the target class's cosine to the adjusted cosine (before the scale `s`) and gives the derivative.
/// Every kind is a point of the combined margin `cos(m1·θ + m2) − m3`; a new margin is a new case here, with
/// its name, its (m1, m2, m3) and, if it is not of that family, its own formula in `target`.
package enum MarginKind: Equatable, Sendable {
    /// Plain normalised softmax: (1, 0, 0).
    case softmax
    /// CosFace (additive cosine margin): cos θ − m, i.e. (1, 0, m).
    case cosFace(margin: Float)
    /// ArcFace (additive angular margin): cos(θ + m), i.e. (1, m, 0).
    case arcFace(margin: Float)
    /// Any other (m1, m2, m3).
    case combined(m1: Float, m2: Float, m3: Float)

    /// The kind a triple is: the named margins where it is one of them, else `combined`.
    package init(m1: Float, m2: Float, m3: Float) {
        switch (m1, m2, m3) {
        case (1, 0, 0): self = .softmax
        case (1, 0, _): self = .cosFace(margin: m3)
        case (1, _, 0): self = .arcFace(margin: m2)
        default: self = .combined(m1: m1, m2: m2, m3: m3)
        }
    }

    /// The name a config spells it with (`margin.type`).
    package var name: String {
        switch self {
        case .softmax: return "softmax"
        case .cosFace: return "cosface"
        case .arcFace: return "arcface"
        case .combined: return "combined"
        }
    }

    /// The names configs may use, with the (m1, m2, m3) each starts from before `m1`/`m2`/`m3` keys apply.
    package static let defaults: [(name: String, m1: Float, m2: Float, m3: Float)] = [
        ("softmax", 1, 0, 0), ("cosface", 1, 0, 0.4), ("arcface", 1, 0.5, 0), ("combined", 1, 0, 0),
    ]

    /// Its point of the combined family.
    package var triple: (m1: Float, m2: Float, m3: Float) {
        switch self {
        case .softmax: return (1, 0, 0)
        case .cosFace(let m): return (1, 0, m)
        case .arcFace(let m): return (1, m, 0)
        case .combined(let m1, let m2, let m3): return (m1, m2, m3)
        }
    }

    /// The margin-adjusted target cosine and its derivative d(target)/d(cos θ).
    ///
    /// When `m1·θ + m2 > π` the angular margin would stop being monotonic; like insightface's ArcFace we
    /// then use `cos θ − m3 − sin(π − m2)·m2`, whose derivative is 1. The epsilon inside
    /// `sqrt(1 − cos²)` keeps the derivative finite at cos θ = ±1.
    @inline(__always)
    package func target(_ c: Float) -> (value: Float, derivative: Float) {
        let (m1, m2, m3) = triple
        if m1 == 1 && m2 == 0 { return (c - m3, 1) }
        let theta = acosf(c)
        let angle = m1 * theta + m2
        if angle > .pi { return (c - m3 - sinf(.pi - m2) * m2, 1) }
        return (cosf(angle) - m3, m1 * sinf(angle) / (1 - c * c + 1e-7).squareRoot())
    }
}
