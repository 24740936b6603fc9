/// How the classification head turns features into class scores.
public enum ClassMode: String, Codable, Sendable, CaseIterable {
    /// Softmax over every class name.
    case multiclass
    /// One sigmoid output for the positive class.
    case binary
}
