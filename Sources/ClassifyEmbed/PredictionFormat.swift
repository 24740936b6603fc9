/// How `predict` writes its results.
public enum PredictionFormat: String, CaseIterable, Sendable {
    /// Per image `path: class (name p, …)` and an embedding line; unreadable images on standard error.
    case text
    /// One JSON object per image and line, keys sorted (the README's schema).
    case jsonl
    /// A header row and one row per image, quoted as RFC 4180 says (CRLF line ends).
    case csv
}

/// How much of each embedding `predict` writes.
public enum EmbeddingOutput: String, CaseIterable, Sendable {
    /// Every value.
    case full
    /// The first eight values (a preview).
    case short
    /// None (the length is still reported).
    case none

    /// The values of `embedding` to write.
    package func shown(_ embedding: [Float]) -> [Float]? {
        switch self {
        case .full: return embedding
        case .short: return Array(embedding.prefix(Self.shortCount))
        case .none: return nil
        }
    }

    static let shortCount = 8
}
