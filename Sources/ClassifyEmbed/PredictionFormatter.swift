import Foundation
import Inference

/// A class and its probability: one entry of `--top-k`.
package struct ClassProbability: Encodable, Equatable {
    package var `class`: String
    package var probability: Float
}

/// One line of `predict --format jsonl` (the README's schema; absent keys are left out).
package struct PredictionRecord: Encodable {
    package var file: String
    package var ok: Bool
    package var error: String?
    package var `class`: String?
    package var probabilities: [String: Float]?
    package var topK: [ClassProbability]?
    package var embedding: [Float]?
    package var embeddingSize: Int?
    package var match: GalleryMatch?
    package var modelID: String

    enum CodingKeys: String, CodingKey {
        case file, ok, error, `class`, probabilities, embedding, match
        case topK = "top_k", embeddingSize = "embedding_size", modelID = "model_id"
    }
}

/// Turns each image's result into the chosen format's text: the class (or `unknown` below the minimum
/// confidence), the probabilities (all, or the `topK` most probable), the embedding (as much as asked) and
/// the gallery match.
package struct PredictionFormatter {
    /// The class reported when the most probable class's probability is below `minimumConfidence`.
    static let unknownClass = "unknown"

    package var format: PredictionFormat
    package var classNames: [String]
    package var modelID: String
    package var embeddingSize: Int
    package var embedding: EmbeddingOutput
    package var topK: Int?
    package var minimumConfidence: Float?
    package var hasGallery: Bool

    package init(
        format: PredictionFormat, classNames: [String], modelID: String, embeddingSize: Int,
        embedding: EmbeddingOutput, topK: Int?, minimumConfidence: Float?, hasGallery: Bool
    ) {
        self.format = format
        self.classNames = classNames
        self.modelID = modelID
        self.embeddingSize = embeddingSize
        self.embedding = embedding
        self.topK = topK
        self.minimumConfidence = minimumConfidence
        self.hasGallery = hasGallery
    }

    /// What one image contributes: text for the output, and (in text format, for an image that failed) a
    /// line for standard error.
    struct Rendered {
        var output = ""
        var diagnostic: String?
    }

    /// The CSV columns: the file, whether it was read, the error, the class, every class's probability, the
    /// top k, the gallery match, the embedding's length and values, the model's fingerprint.
    var columns: [String] {
        var fields = ["file", "ok", "error", "class"] + classNames.map { "probability_\($0)" }
        if let topK { fields += (1...topK).flatMap { ["top\($0)_class", "top\($0)_probability"] } }
        if hasGallery { fields += ["match_label", "match_similarity", "match_threshold", "match_fpr", "matched"] }
        fields.append("embedding_size")
        let shown = embedding.shown([Float](repeating: 0, count: embeddingSize))?.count ?? 0
        fields += (0..<shown).map { "embedding_\($0)" }
        fields.append("model_id")
        return fields
    }

    /// The CSV header row; nil for the other formats.
    var header: String? { format == .csv ? CSVLine.encode(columns) : nil }

    /// The reported class: the most probable one, or `unknown` when its probability is below the minimum.
    package func label(_ p: Prediction) -> String {
        if let minimumConfidence, p.probabilities[p.classIndex] < minimumConfidence { return Self.unknownClass }
        return p.label
    }

    /// The `k` most probable classes, most probable first (ties in class order).
    func ranked(_ p: Prediction, _ k: Int) -> [ClassProbability] {
        let order = p.probabilities.indices.sorted { a, b in
            p.probabilities[a] != p.probabilities[b] ? p.probabilities[a] > p.probabilities[b] : a < b
        }
        return order.prefix(k).map { ClassProbability(class: classNames[$0], probability: p.probabilities[$0]) }
    }

    func render(_ name: String, _ result: Result<Prediction, Error>, match: GalleryMatch?) throws -> Rendered {
        switch (format, result) {
        case (.text, .failure(let e)): return Rendered(diagnostic: "\(name): error: \(e)")
        case (.text, .success(let p)): return Rendered(output: text(name, p, match) + "\n")
        case (.jsonl, _):
            let line = try JSONLines.encoder.encode(record(name, result, match))
            return Rendered(output: String(decoding: line, as: UTF8.self) + "\n")
        case (.csv, _): return Rendered(output: csvRow(name, result, match))
        }
    }

    package func record(_ name: String, _ result: Result<Prediction, Error>, _ match: GalleryMatch?) -> PredictionRecord
    {
        var r = PredictionRecord(file: name, ok: true, modelID: modelID)
        switch result {
        case .failure(let e):
            r.ok = false
            r.error = "\(e)"
        case .success(let p):
            r.class = label(p)
            r.probabilities = Dictionary(uniqueKeysWithValues: zip(classNames, p.probabilities))
            r.topK = topK.map { ranked(p, $0) }
            r.embedding = embedding.shown(p.embedding)
            r.embeddingSize = p.embedding.count
            r.match = match
        }
        return r
    }

    func csvRow(_ name: String, _ result: Result<Prediction, Error>, _ match: GalleryMatch?) -> String {
        let number = { (v: Float) in "\(v)" }
        guard case .success(let p) = result else {
            let count = columns.count
            var fields = [String](repeating: "", count: count)
            fields[0] = name
            fields[1] = "false"
            if case .failure(let e) = result { fields[2] = "\(e)" }
            fields[count - 1] = modelID
            return CSVLine.encode(fields)
        }
        var fields = [name, "true", "", label(p)] + p.probabilities.map(number)
        if let topK { fields += ranked(p, topK).flatMap { [$0.class, number($0.probability)] } }
        if hasGallery {
            fields +=
                match.map {
                    [
                        $0.label, number($0.similarity), number($0.threshold), $0.fpr.map { "\($0)" } ?? "",
                        "\($0.matched)",
                    ]
                } ?? ["", "", "", "", ""]
        }
        fields.append("\(p.embedding.count)")
        fields += (embedding.shown(p.embedding) ?? []).map(number)
        fields.append(modelID)
        return CSVLine.encode(fields)
    }

    func text(_ name: String, _ p: Prediction, _ match: GalleryMatch?) -> String {
        let shown = topK.map { ranked(p, $0) } ?? zip(classNames, p.probabilities).map(ClassProbability.init)
        var probabilities = shown.map { String(format: "%@ %.3f", $0.class, $0.probability) }.joined(separator: ", ")
        if let minimumConfidence, label(p) == Self.unknownClass {
            probabilities =
                String(format: "%@ %.3f < %.3f; ", p.label, p.probabilities[p.classIndex], minimumConfidence)
                + probabilities
        }
        var lines = ["\(name): \(label(p)) (\(probabilities))"]
        if let values = embedding.shown(p.embedding) {
            let text = values.map { String(format: "%+.4f", $0) }.joined(separator: " ")
            lines.append("  embedding[\(p.embedding.count)]: \(text)\(embedding == .short ? " …" : "")")
        }
        if hasGallery { lines.append(matchLine(match)) }
        return lines.joined(separator: "\n")
    }

    func matchLine(_ match: GalleryMatch?) -> String {
        guard let m = match else { return "  no match (the gallery is empty)" }
        let level = m.fpr.map { String(format: " (FPR %g)", $0) } ?? ""
        return m.matched
            ? String(
                format: "  match: %@  similarity %.4f ≥ threshold %.4f%@", m.label, m.similarity, m.threshold, level)
            : String(
                format: "  no match (best %@, similarity %.4f < threshold %.4f%@)", m.label, m.similarity, m.threshold,
                level)
    }
}
