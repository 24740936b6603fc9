import Engine
import Foundation
import Imaging

/// One batch of distillation views: the student's inputs and the teacher's cached features of the same views.
package struct PoolBatch: @unchecked Sendable {
    /// `[n, 3, size, size]`, in the student's normalisation.
    package var images: Tensor
    /// `[n, features]`: the teacher's L2-normalised features.
    package var targets: Tensor
    /// (pool image, view) of each row.
    package var entries: [(image: Int, view: Int)]
}

/// Deterministic batches of (image, view) pairs for the student: the order of epoch e is a permutation of
/// every view of `images` drawn from (seed, e), and each view is rendered from (views.seed, view, image),
/// exactly as the teacher saw it. Training drops the last partial batch (BatchNorm needs ≥ 2 rows).
package final class PoolBatchLoader: @unchecked Sendable {
    package let pool: ImagePool
    package let cache: TeacherFeatureCache
    /// The pool images this loader draws from (training or validation images).
    package let images: [Int]
    package let batchSize: Int
    package let normalisation: Preprocessing
    package let seed: UInt64
    package let shuffle: Bool
    private var prefetcher: Prefetcher<PoolBatch>?

    package init(
        pool: ImagePool, cache: TeacherFeatureCache, images: [Int], batchSize: Int, normalisation: Preprocessing,
        seed: UInt64, shuffle: Bool = true
    ) {
        precondition(batchSize >= 1)
        self.pool = pool
        self.cache = cache
        self.images = images
        self.batchSize = batchSize
        self.normalisation = normalisation
        self.seed = seed
        self.shuffle = shuffle
    }

    private var views: PoolViews { cache.description.views }
    package var entryCount: Int { images.count * views.count }

    package var batchesPerEpoch: Int {
        shuffle ? entryCount / batchSize : (entryCount + batchSize - 1) / batchSize
    }

    /// Entry indices (`position · views + view`) in the order of `epoch`.
    package func order(epoch: Int) -> [Int] {
        var idx = Array(0..<entryCount)
        guard shuffle else { return idx }
        var rng = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        for i in stride(from: idx.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            idx.swapAt(i, j)
        }
        return idx
    }

    /// Batch `index` of `epoch`, rendered on the calling thread (in parallel over rows when `parallel`).
    package func batch(epoch: Int, index: Int, order: [Int]? = nil, parallel: Bool = false) -> PoolBatch {
        let order = order ?? self.order(epoch: epoch)
        let lo = index * batchSize
        let hi = min(lo + batchSize, order.count)
        let k = views.count
        let entries = order[lo..<hi].map { (image: images[$0 / k], view: $0 % k) }
        let size = views.size
        let d = cache.description.features
        let inputs = Tensor(shape: [entries.count, 3, size, size])
        let targets = Tensor(shape: [entries.count, d])
        let out = SendablePointer(inputs.data)
        let render: (Int) -> Void = { i in
            self.views.render(
                self.pool, image: entries[i].image, view: entries[i].view, normalisation: self.normalisation,
                into: out.pointer + i * 3 * size * size)
        }
        if parallel { Parallel.forEach(entries.count, render) } else { for i in entries.indices { render(i) } }
        for (i, e) in entries.enumerated() { cache.features(image: e.image, view: e.view, into: targets.data + i * d) }
        return PoolBatch(images: inputs, targets: targets, entries: entries)
    }

    /// Starts rendering batches `first…` of `epoch` in the background.
    package func start(epoch: Int, from first: Int) {
        stop()
        let order = self.order(epoch: epoch)
        // The thread holds the loader until it ends, which `stop` (or the end of the epoch) brings about.
        prefetcher = Prefetcher(first: first, count: batchesPerEpoch) { index in
            self.batch(epoch: epoch, index: index, order: order)
        }
    }

    /// The next prefetched batch.
    package func next() -> PoolBatch {
        guard let prefetcher else { preconditionFailure("PoolBatchLoader.next() before start(epoch:from:)") }
        return prefetcher.next()
    }

    package func stop() {
        prefetcher?.stop()
        prefetcher = nil
    }

    deinit { stop() }
}
