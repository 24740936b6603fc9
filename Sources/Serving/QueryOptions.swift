import ClassifyEmbed
import Foundation
import Hummingbird
import Inference

/// A request's query parameters, each checked where it is read: an unknown key or a bad value is a 400
/// naming the key and what it takes (a misspelt `top-k` is not silently ignored).
struct QueryOptions {
    var embedding: EmbeddingOutput = .short
    var topK: Int?
    var minimumConfidence: Float?
    var fpr = 1e-2
    var threshold: Float?

    enum Key: String, CaseIterable {
        case embedding
        case topK = "top_k"
        case minimumConfidence = "min_confidence"
        case fpr
        case threshold
    }

    init(_ request: Request, allowed: [Key], classCount: Int) throws {
        for (name, value) in request.uri.queryParameters {
            let name = String(name)
            let value = String(value)
            guard let key = Key(rawValue: name), allowed.contains(key) else {
                throw APIError.badRequest(
                    "unknown query parameter '\(name)'; this endpoint takes "
                        + (allowed.isEmpty ? "none" : allowed.map(\.rawValue).joined(separator: ", ")))
            }
            try read(key, value, classCount: classCount)
        }
    }

    private mutating func read(_ key: Key, _ value: String, classCount: Int) throws {
        switch key {
        case .embedding:
            guard let e = EmbeddingOutput(rawValue: value) else {
                throw APIError.badRequest("embedding=\(value): give full, short or none")
            }
            embedding = e
        case .topK:
            guard let k = Int(value), (1...classCount).contains(k) else {
                throw APIError.badRequest("top_k=\(value): give a whole number from 1 to \(classCount)")
            }
            topK = k
        case .minimumConfidence:
            guard let c = Float(value), c.isFinite, (0...1).contains(c) else {
                throw APIError.badRequest("min_confidence=\(value): give a probability in [0, 1]")
            }
            minimumConfidence = c
        case .fpr:
            guard let f = Double(value), f.isFinite, f > 0, f <= 1 else {
                throw APIError.badRequest("fpr=\(value): give a false-positive rate in (0, 1], e.g. 1e-2")
            }
            fpr = f
        case .threshold:
            guard let t = Float(value), t.isFinite, (-1...1).contains(t) else {
                throw APIError.badRequest("threshold=\(value): give a cosine similarity in [-1, 1]")
            }
            threshold = t
        }
    }

    /// The similarity cut: `threshold`, else the model's stored one at `fpr` (with that level and its TPR).
    func decision(_ predictor: Predictor) throws -> (threshold: Float, fpr: Double?, tpr: Double?) {
        if let threshold { return (threshold, nil, nil) }
        do {
            let t = try predictor.threshold(atFPR: fpr)
            return (Float(t.threshold), t.fpr, t.tpr)
        } catch {
            throw APIError.badRequest("\(error)")
        }
    }
}
