import Datasets
import Engine
import Foundation
import Imaging

/// Fills a `TeacherFeatureCache`: every view of every pool image rendered in the teacher's normalisation,
/// run through the teacher, L2-normalised and stored as float16, `block` views at a time in order. Resumes
/// from the cache's last committed block.
package enum TeacherCacheBuilder {
    /// Opens (or creates) the cache of `pool` × `views` for `teacher` in `folder` and fills what is missing.
    /// `maxBlocks` stops after that many blocks (tests use it to stand in for a killed run);
    /// `progress(done, total, seconds)` after each block.
    @discardableResult
    package static func build(
        pool: ImagePool, views: PoolViews, teacher: FeatureTeacher, folder: URL, block: Int = 64,
        maxBlocks: Int? = nil, progress: (Int, Int, Double) -> Void = { _, _, _ in }
    ) throws -> TeacherFeatureCache {
        let description = FeatureCacheDescription(
            pool: pool.fingerprint, images: pool.count, views: views, teacher: teacher.fingerprint,
            features: teacher.featureCount)
        let cache = try TeacherFeatureCache(folder: folder, description: description)
        let total = cache.viewCount
        let size = views.size
        let d = teacher.featureCount
        let normalisation = teacher.normalisation
        var blocks = 0
        while cache.completed < total && blocks < (maxBlocks ?? .max) {
            let started = System.now()
            let first = cache.completed
            let rows = min(block, total - first)
            let input = Tensor(shape: [rows, 3, size, size])
            let out = SendablePointer(input.data)
            Parallel.dynamic(rows) { _, r in
                let entry = first + r
                let image = entry / views.count
                // An unreadable image keeps a zero input; its views are never trained on.
                guard pool.status(of: image) == .decoded else { return }
                views.render(
                    pool, image: image, view: entry % views.count, normalisation: normalisation,
                    into: out.pointer + r * 3 * size * size)
            }
            let raw = teacher.features(input)
            precondition(raw.count == rows * d, "the teacher returned \(raw.shape) for \(rows) views")
            let normalized = l2Normalized(raw)
            // `data` is a raw pointer: the tensor must outlive its use.
            withExtendedLifetime(normalized) { cache.store(normalized.data, first: first, rows: rows) }
            let seconds = System.now() - started
            try cache.commit(completed: first + rows, addingSeconds: seconds)
            blocks += 1
            progress(cache.completed, total, cache.seconds)
        }
        return cache
    }
}
