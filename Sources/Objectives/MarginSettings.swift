/// The margin classifier's settings: the margin (`MarginKind`), the scale `s` every logit is multiplied by,
/// sub-centres and PartialFC's sample rate.
package struct MarginSettings: Equatable, Sendable {
    package var kind: MarginKind = .cosFace(margin: 0.4)
    package var scale: Float = 64
    /// Sub-centres per class (k); a class's cosine is the largest of its k centres.
    package var subCenters: Int = 1
    /// PartialFC: fraction of classes whose centres take part in a step (positives always do).
    package var sampleRate: Float = 1

    package init(
        kind: MarginKind = .cosFace(margin: 0.4), scale: Float = 64, subCenters: Int = 1, sampleRate: Float = 1
    ) {
        self.kind = kind
        self.scale = scale
        self.subCenters = subCenters
        self.sampleRate = sampleRate
    }

    /// Settings for the combined margin (m1, m2, m3); the kind is the named margin the triple is, if any.
    package init(
        scale: Float = 64, m1: Float = 1, m2: Float = 0, m3: Float = 0.4, subCenters: Int = 1, sampleRate: Float = 1
    ) {
        self.init(
            kind: MarginKind(m1: m1, m2: m2, m3: m3), scale: scale, subCenters: subCenters, sampleRate: sampleRate)
    }

    package static let softmax = MarginSettings(kind: .softmax)
    package static let cosFace = MarginSettings(kind: .cosFace(margin: 0.4))
    package static let arcFace = MarginSettings(kind: .arcFace(margin: 0.5))

    package var m1: Float { kind.triple.m1 }
    package var m2: Float { kind.triple.m2 }
    package var m3: Float { kind.triple.m3 }

    /// The margin-adjusted target cosine and its derivative (see `MarginKind.target`).
    @inline(__always)
    package func target(_ c: Float) -> (value: Float, derivative: Float) { kind.target(c) }
}
