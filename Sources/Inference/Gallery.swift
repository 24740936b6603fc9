import Engine
import Foundation
import GRDB

/// A best match from the gallery for one query.
public struct GalleryMatch: Codable, Equatable, Sendable {
    /// The best template's label (sub-path + file stem).
    public var label: String
    public var similarity: Float
    /// The threshold applied and the FPR level it was chosen for (nil when given by hand).
    public var threshold: Float
    public var fpr: Double?
    /// similarity ≥ threshold.
    public var matched: Bool
}

/// One registered image and what registration noticed about it.
public struct Registration: Sendable {
    public var label: String
    public var file: String
    /// Label of an already registered (or earlier in the same run) template it (nearly) duplicates.
    public var duplicateOf: String?
    public var similarity: Float?
    public var exactDuplicate: Bool
}

/// Registered templates (label, file, class, embedding) in SQLite through GRDB, tied to the model that
/// embedded them. Matching is one GEMM of the queries against every stored embedding.
public final class Gallery {
    public let path: String
    public let modelID: String
    public let embeddingSize: Int
    let db: DatabaseQueue
    private var cache: (labels: [String], matrix: [Float])?

    /// Embeddings at least this similar are flagged as exact duplicates (the same picture, re-encoded).
    public static let duplicateSimilarity: Float = 0.995

    /// Opens (or with `create`, creates) the gallery at `path` for `predictor`'s model; a gallery made by
    /// another model is refused, since its embeddings are not comparable.
    public init(path: String, predictor: Predictor, create: Bool) throws {
        self.path = path
        modelID = predictor.modelID
        embeddingSize = predictor.embeddingSize
        let exists = FileManager.default.fileExists(atPath: path)
        guard exists || create else {
            throw PredictorError(
                "\(path): no such gallery; make one with `classify-and-embed register DIR --gallery \(path)`")
        }
        do { db = try DatabaseQueue(path: path) } catch {
            throw PredictorError("\(path): cannot open the gallery as SQLite (\(error)); is it a gallery file?")
        }
        let (model, size) = try db.write { db -> (String?, String?) in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS templates (
                        label TEXT PRIMARY KEY, file TEXT NOT NULL, class TEXT NOT NULL,
                        embedding BLOB NOT NULL, registered_at TEXT NOT NULL);
                    """)
            let model = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_id'")
            let size = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'embedding_size'")
            if model == nil {
                try db.execute(
                    sql: "INSERT INTO meta VALUES ('model_id', ?), ('embedding_size', ?), ('model_path', ?)",
                    arguments: [predictor.modelID, String(predictor.embeddingSize), predictor.modelPath])
            }
            return (model, size)
        }
        if let model, model != modelID {
            let made =
                (try? db.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'model_path'") })
                ?? nil
            throw PredictorError(
                "\(path) was made by another model (id \(model)\(made.map { ", \($0)" } ?? "")); this model is "
                    + "\(modelID) (\(predictor.modelPath)). Embeddings of different models are not comparable: register the "
                    + "templates again into a new gallery, or pass the --model that made this one")
        }
        if let size, Int(size) != embeddingSize {
            throw PredictorError("\(path): stored embeddings have \(size) dimensions, the model makes \(embeddingSize)")
        }
    }

    /// Number of registered templates.
    public func count() throws -> Int {
        try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM templates") ?? 0 }
    }

    /// Every label, sorted.
    public func labels() throws -> [String] {
        try db.read { try String.fetchAll($0, sql: "SELECT label FROM templates ORDER BY label") }
    }

    /// Adds (or replaces, same label) templates; flags each that duplicates a stored one or an earlier one in
    /// this call at or above `nearDuplicate` similarity (exact duplicate at ≥ 0.995).
    public func register(
        _ items: [(label: String, file: String, prediction: Prediction)], nearDuplicate: Float
    ) throws -> [Registration] {
        var (labels, matrix) = try loadAll()
        var out: [Registration] = []
        let now = ISO8601DateFormatter().string(from: Date())
        try db.write { db in
            for item in items {
                let e = item.prediction.embedding
                var best: (Int, Float)? = nil
                for (i, label) in labels.enumerated() where label != item.label {
                    var s: Float = 0
                    for k in 0..<embeddingSize { s += matrix[i * embeddingSize + k] * e[k] }
                    if best == nil || s > best!.1 { best = (i, s) }
                }
                let flagged = best.map { $0.1 >= nearDuplicate } ?? false
                out.append(
                    Registration(
                        label: item.label, file: item.file, duplicateOf: flagged ? labels[best!.0] : nil,
                        similarity: flagged ? best!.1 : nil,
                        exactDuplicate: flagged && best!.1 >= Self.duplicateSimilarity))
                let blob = e.withUnsafeBufferPointer { Data(buffer: $0) }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO templates VALUES (?, ?, ?, ?, ?)",
                    arguments: [item.label, item.file, item.prediction.label, blob, now])
                if let i = labels.firstIndex(of: item.label) {
                    matrix.replaceSubrange(i * embeddingSize..<(i + 1) * embeddingSize, with: e)
                } else {
                    labels.append(item.label)
                    matrix += e
                }
            }
        }
        cache = nil
        return out
    }

    /// Removes templates by label; returns the labels that were not there.
    @discardableResult
    public func remove(_ labels: [String]) throws -> [String] {
        var missing: [String] = []
        try db.write { db in
            for label in labels {
                try db.execute(sql: "DELETE FROM templates WHERE label = ?", arguments: [label])
                if db.changesCount == 0 { missing.append(label) }
            }
        }
        cache = nil
        return missing
    }

    /// The best template for each query embedding: one GEMM [queries × D] · [D × templates].
    public func match(_ embeddings: [[Float]], threshold: Float, fpr: Double?) throws -> [GalleryMatch?] {
        if cache == nil { cache = try loadAll() }
        let (labels, matrix) = cache!
        guard !labels.isEmpty else { return embeddings.map { _ in nil } }
        let q = embeddings.flatMap { $0 }
        let m = embeddings.count
        let n = labels.count
        var scores = [Float](repeating: 0, count: m * n)
        q.withUnsafeBufferPointer { a in
            matrix.withUnsafeBufferPointer { b in
                scores.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(
                        transA: false, transB: true, m: m, n: n, k: embeddingSize, alpha: 1,
                        a: a.baseAddress!, lda: embeddingSize, b: b.baseAddress!, ldb: embeddingSize, beta: 0,
                        c: c.baseAddress!, ldc: n)
                }
            }
        }
        return (0..<m).map { i in
            var best = 0
            for j in 1..<max(n, 1) where scores[i * n + j] > scores[i * n + best] { best = j }
            let s = scores[i * n + best]
            return GalleryMatch(
                label: labels[best], similarity: s, threshold: threshold, fpr: fpr, matched: s >= threshold)
        }
    }

    private func loadAll() throws -> (labels: [String], matrix: [Float]) {
        try db.read { db in
            var labels: [String] = []
            var matrix: [Float] = []
            for row in try Row.fetchAll(db, sql: "SELECT label, embedding FROM templates ORDER BY label") {
                let blob: Data = row["embedding"]
                guard blob.count == embeddingSize * 4 else {
                    throw PredictorError(
                        "\(path): template \(row["label"] as String) has a \(blob.count)-byte embedding, expected \(embeddingSize * 4)"
                    )
                }
                labels.append(row["label"])
                blob.withUnsafeBytes { matrix += $0.bindMemory(to: Float.self) }
            }
            return (labels, matrix)
        }
    }
}
