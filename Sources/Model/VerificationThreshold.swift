/// One row of the verification threshold table a model file stores (`evaluate --write-thresholds`): at the
/// target FPR, the ROC point with the largest FPR ≤ target, its TPR and the cosine threshold (positive
/// means similarity ≥ threshold).
public struct VerificationThreshold: Codable, Equatable, Sendable {
    public var fprTarget: Double
    public var tpr: Double
    public var fpr: Double
    public var threshold: Double

    public init(fprTarget: Double, tpr: Double, fpr: Double, threshold: Double) {
        self.fprTarget = fprTarget
        self.tpr = tpr
        self.fpr = fpr
        self.threshold = threshold
    }
}
