/// What `verify --json` prints and `POST /v1/verify` answers: the two images' names, their cosine similarity,
/// the threshold it was compared with (and, when that came from the model's table, its FPR level and the TPR
/// there), and the decision.
public struct VerificationRecord: Encodable, Sendable {
    public var first: String
    public var second: String
    public var similarity: Float
    public var threshold: Float
    public var fpr: Double?
    public var tpr: Double?
    public var same: Bool

    public init(
        first: String, second: String, similarity: Float, threshold: Float, fpr: Double?, tpr: Double?, same: Bool
    ) {
        self.first = first
        self.second = second
        self.similarity = similarity
        self.threshold = threshold
        self.fpr = fpr
        self.tpr = tpr
        self.same = same
    }
}
