import Engine
import Foundation

/// What a teacher-feature cache holds; two caches with equal descriptions are interchangeable.
package struct FeatureCacheDescription: Codable, Equatable, Sendable {
    package static let currentVersion = 1
    package var version = currentVersion
    /// `ImagePool.fingerprint` of the pool the views come from.
    package var pool: String
    package var images: Int
    package var views: PoolViews
    /// SHA-256 of the teacher's weights file.
    package var teacher: String
    /// Width of the stored features.
    package var features: Int

    package init(pool: String, images: Int, views: PoolViews, teacher: String, features: Int) {
        self.pool = pool
        self.images = images
        self.views = views
        self.teacher = teacher
        self.features = features
    }

    /// A short name for files of this description (the first 12 hex digits of its SHA-256).
    package var key: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(SHA256.hex((try? encoder.encode(self)) ?? Data()).prefix(12))
    }
}

/// The teacher's L2-normalised features of every view of the pool (`images × views × features`, entry
/// `image · views + view`), stored as float16 in a memory-mapped file, filled in order and resumable: after
/// each block of views the data is flushed, then the count of completed views is written (atomically) beside
/// it, so a killed build continues where the last flush ended. Files: `teacher-<key>.f16`, `.json` (the
/// description), `.progress.json` (views completed, seconds spent).
package final class TeacherFeatureCache: @unchecked Sendable {
    package let description: FeatureCacheDescription
    package let dataURL: URL
    private let data: MappedFile
    private let progressURL: URL
    package private(set) var completed: Int
    /// Seconds spent building, summed over every run that added to it.
    package private(set) var seconds: Double

    package var viewCount: Int { description.images * description.views.count }
    package var isComplete: Bool { completed >= viewCount }

    package init(folder: URL, description: FeatureCacheDescription) throws {
        self.description = description
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let stem = folder.appendingPathComponent("teacher-\(description.key)")
        dataURL = stem.appendingPathExtension("f16")
        progressURL = stem.appendingPathExtension("progress.json")
        let descriptionURL = stem.appendingPathExtension("json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if !FileManager.default.fileExists(atPath: descriptionURL.path) {
            try AtomicFile.write(try encoder.encode(description), to: descriptionURL)
        }
        let count = description.images * description.views.count * description.features
        data = try MappedFile(path: dataURL.path, byteCount: count * 2)
        let progress = (try? Data(contentsOf: progressURL)).flatMap {
            try? JSONDecoder().decode(CacheProgress.self, from: $0)
        }
        completed = progress?.completed ?? 0
        seconds = progress?.seconds ?? 0
    }

    /// Stores `rows` feature vectors (float32, `features` each, already normalised) for the views starting at
    /// entry `first`; they count once `commit` has run.
    package func store(_ values: UnsafePointer<Float>, first: Int, rows: Int) {
        let d = description.features
        precondition(first >= 0 && first + rows <= viewCount, "views \(first)..<\(first + rows) outside the cache")
        let out = data.bytes.assumingMemoryBound(to: Float16.self) + first * d
        for i in 0..<(rows * d) { out[i] = Float16(values[i]) }
    }

    /// Flushes the views up to `completed` to disk and then records them as done.
    package func commit(completed newCompleted: Int, addingSeconds: Double) throws {
        let d = description.features
        try data.sync((completed * d * 2)..<(newCompleted * d * 2))
        completed = newCompleted
        seconds += addingSeconds
        try AtomicFile.write(
            try JSONEncoder().encode(CacheProgress(completed: completed, seconds: seconds)), to: progressURL)
    }

    /// The features of view `view` of image `image` as float32 into `destination`.
    package func features(image: Int, view: Int, into destination: UnsafeMutablePointer<Float>) {
        let d = description.features
        let entry = image * description.views.count + view
        precondition(entry < completed, "view \(view) of image \(image) is not in the cache yet")
        let src = UnsafePointer(data.bytes.assumingMemoryBound(to: Float16.self)) + entry * d
        for j in 0..<d { destination[j] = Float(src[j]) }
    }
}

/// `teacher-<key>.progress.json`.
private struct CacheProgress: Codable {
    var completed: Int
    var seconds: Double
}
