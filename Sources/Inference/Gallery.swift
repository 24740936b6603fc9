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
    /// another model is refused, since its embeddings are not comparable. `readOnly` (matching) takes no write
    /// lock at all, so any number of matches run while one process registers.
    ///
    /// The file is in WAL mode with a busy timeout: concurrent writers (two `register`s) wait for each other
    /// instead of failing with "database is locked", and readers never wait for a writer.
    public init(path: String, predictor: Predictor, create: Bool, readOnly: Bool = false) throws {
        self.path = path
        modelID = predictor.modelID
        embeddingSize = predictor.embeddingSize
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        guard exists || create else {
            throw PredictorError(
                "\(path): no such gallery; make one with `classify-and-embed register DIR --gallery \(path)`")
        }
        guard !isFolder.boolValue else { throw PredictorError("\(path): is a folder, not a gallery file") }
        var config = Configuration()
        config.busyMode = .timeout(Self.busyTimeout)
        config.readonly = readOnly && exists
        do { db = try DatabaseQueue(path: path, configuration: config) } catch {
            throw PredictorError("\(path): cannot open the gallery: \(Self.describe(error))")
        }
        let (model, size): (String?, String?)
        do {
            (model, size) = try (config.readonly ? Self.readMeta(db) : Self.prepare(db, predictor: predictor))
        } catch let e as PredictorError {
            throw PredictorError("\(path): \(e.description)")
        } catch {
            throw PredictorError("\(path): cannot use the gallery: \(Self.describe(error))")
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

    /// How long a writer waits for another one before giving up (seconds).
    public static let busyTimeout: TimeInterval = 30

    /// The tables a gallery has; a file with other tables is some other database and is left alone.
    private static let tables: Set<String> = ["meta", "templates"]

    /// Checks the schema and, for a new file, creates it and records the model.
    private static func prepare(_ db: DatabaseQueue, predictor: Predictor) throws -> (String?, String?) {
        let result = try db.write { db -> (String?, String?) in
            let present = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            if !present.isEmpty && !tables.isSubset(of: present) {
                throw PredictorError(
                    "not a ClassifyEmbed gallery (an SQLite database with tables "
                        + present.sorted().joined(separator: ", ") + "); it was left unchanged")
            }
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
        // WAL only once the file is known to be a gallery: switching a foreign database's journal would change it.
        try db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
        return result
    }

    /// Reads the recorded model without writing anything.
    private static func readMeta(_ db: DatabaseQueue) throws -> (String?, String?) {
        try db.read { db -> (String?, String?) in
            let present = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            guard tables.isSubset(of: present) else {
                throw PredictorError(
                    present.isEmpty
                        ? "an empty file, not a gallery"
                        : "not a ClassifyEmbed gallery (tables " + present.sorted().joined(separator: ", ") + ")")
            }
            return (
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_id'"),
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'embedding_size'")
            )
        }
    }

    /// SQLite's own words for an error, without GRDB's statement dump.
    private static func describe(_ error: Error) -> String {
        guard let e = error as? DatabaseError else { return "\(error)" }
        if e.resultCode == .SQLITE_NOTADB { return "not an SQLite database file" }
        if e.resultCode == .SQLITE_BUSY {
            return "still locked by another process after \(Int(busyTimeout)) s; try again when it has finished"
        }
        return e.message ?? "\(e.resultCode)"
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
                guard e.count == embeddingSize, e.allSatisfy(\.isFinite) else {
                    throw PredictorError(
                        "\(item.file): the embedding is not \(embeddingSize) finite values; not registered")
                }
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
