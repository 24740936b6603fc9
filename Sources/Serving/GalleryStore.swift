import Foundation
import Inference

/// The server's gallery: one `Gallery` (which caches its matrix and is not thread-safe) behind a lock, opened
/// again when the file changed underneath, so templates that `classify-and-embed register` adds while the
/// server runs are matched without a restart.
final class GalleryStore: @unchecked Sendable {
    let path: String
    private let predictor: Predictor
    private let lock = NSLock()
    private var gallery: Gallery
    private var seen: [Int64]

    init(path: String, predictor: Predictor, writable: Bool) throws {
        self.path = path
        self.predictor = predictor
        gallery = try Gallery(path: path, predictor: predictor, create: writable, readOnly: !writable)
        seen = Self.stamp(path)
    }

    /// Modification times and sizes of the file and its write-ahead log: any commit changes one of them.
    private static func stamp(_ path: String) -> [Int64] {
        [path, path + "-wal"].flatMap { file -> [Int64] in
            var info = stat()
            guard stat(file, &info) == 0 else { return [0, 0, 0] }
            return [Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec), Int64(info.st_size)]
        }
    }

    private func current() throws -> Gallery {
        let now = Self.stamp(path)
        if now != seen {
            gallery = try Gallery(path: path, predictor: predictor, create: false, readOnly: true)
            seen = now
        }
        return gallery
    }

    func match(_ embeddings: [[Float]], threshold: Float, fpr: Double?) throws -> [GalleryMatch?] {
        lock.lock()
        defer { lock.unlock() }
        return try current().match(embeddings, threshold: threshold, fpr: fpr)
    }

    func count() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        return try current().count()
    }

    func register(label: String, prediction: Prediction, nearDuplicate: Float) throws -> Registration {
        lock.lock()
        defer { lock.unlock() }
        let writer = try Gallery(path: path, predictor: predictor, create: true)
        let result = try writer.register([(label, "upload", prediction)], nearDuplicate: nearDuplicate)[0]
        gallery = writer
        seen = Self.stamp(path)
        return result
    }

    /// Whether `label` was there.
    func remove(label: String) throws -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let writer = try Gallery(path: path, predictor: predictor, create: false)
        let missing = try writer.remove([label])
        gallery = writer
        seen = Self.stamp(path)
        return missing.isEmpty
    }
}
