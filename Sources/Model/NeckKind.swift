/// How the embedding neck reduces the backbone's feature map (DocClassifier's `model/component.py`).
public enum NeckKind: String, Codable, Sendable, CaseIterable {
    /// flatten C·H·W (NCHW order) → Linear → norm → Linear D→D → norm
    case flatten
    /// 1×1 conv C→64 → flatten 64·H·W → Linear → norm → Linear D→D → norm
    case squeeze
    /// global mean C → Linear C→D → norm → Linear D→D → norm
    case gap
}

/// The normalisation after each of the neck's Linear layers.
public enum NeckNorm: String, Codable, Sendable, CaseIterable {
    case ln
    case bn
    case lnbn = "ln+bn"
    case none
}
