import Engine
import Foundation
import Imaging

/// One training or evaluation batch.
package struct Batch: @unchecked Sendable {
    package var images: Tensor
    /// Class per row, −1 = no class label.
    package var labels: [Int]
    /// Identity class per row (for the margin loss), −1 = no identity label.
    package var identities: [Int]
    /// Split row of each batch row.
    package var rows: [Int]
    /// The whole batch's class and identity labels when these rows are one rank's share of it (losses are
    /// means over the whole batch); the same as `labels` and `identities` in one process.
    package var batchLabels: [Int]
    package var batchIdentities: [Int]
    /// Index of the first row within the whole batch.
    package var firstRow: Int
}

/// Deterministic batches from a cached split: the order of epoch e is a permutation drawn from
/// (seed, e), and sample i of epoch e is augmented with a generator seeded by (seed, e, i), so a batch is
/// the same whichever thread renders it and training can resume at any step. A background thread renders
/// the next batches while the current step runs.
package final class BatchLoader: @unchecked Sendable {
    package let split: Split
    package let cache: ImageCache
    package let batchSize: Int
    package let augmenter: Augmenter
    package let seed: UInt64
    package let shuffle: Bool
    /// Instance-mode variants (1, 2, 4 or 8): each sample draws a rotation/flip variant and its identity
    /// becomes `identity·variants + variant`.
    package let variants: Int
    /// Data-parallel training: this process renders only `share(count)` of each batch of `count` rows (its
    /// rank's contiguous part); the whole batch's labels are still known to it. Nil: every row.
    package var share: (@Sendable (Int) -> Range<Int>)?

    package init(
        split: Split, cache: ImageCache, batchSize: Int, augmenter: Augmenter, seed: UInt64,
        shuffle: Bool = true, variants: Int = 1
    ) {
        precondition(batchSize >= 1 && [1, 2, 4, 8].contains(variants))
        self.split = split
        self.cache = cache
        self.batchSize = batchSize
        self.augmenter = augmenter
        self.seed = seed
        self.shuffle = shuffle
        self.variants = variants
    }

    /// Identity classes the margin head needs.
    package var identityCount: Int { split.identities.count * variants }

    /// Batches per epoch; training drops the last partial batch (BatchNorm needs ≥ 2 rows), evaluation keeps it.
    package var batchesPerEpoch: Int {
        shuffle ? split.rows.count / batchSize : (split.rows.count + batchSize - 1) / batchSize
    }

    package func order(epoch: Int) -> [Int] {
        var idx = Array(0..<split.rows.count)
        guard shuffle else { return idx }
        var rng = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        for i in stride(from: idx.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            idx.swapAt(i, j)
        }
        return idx
    }

    /// Batch `index` of `epoch` (this rank's share of it), rendered on the calling thread (parallel over
    /// samples when `parallel`).
    package func batch(epoch: Int, index: Int, order: [Int]? = nil, parallel: Bool = false) -> Batch {
        let order = order ?? self.order(epoch: epoch)
        let lo = index * batchSize
        let hi = min(lo + batchSize, order.count)
        let batchRows = Array(order[lo..<hi])
        // Sample i of the epoch is drawn from (seed, epoch, i): its variant first, then its augmentation.
        var generators = (lo..<hi).map {
            SeededGenerator(seed: seed ^ (UInt64(epoch) << 40) ^ UInt64($0) &* 0x2545_F491_4F6C_DD1D)
        }
        let batchVariants = (0..<batchRows.count).map { i in
            variants > 1 ? Int(generators[i].next() % UInt64(variants)) : 0
        }
        let afterVariant = generators
        let batchLabels = batchRows.map { split.rows[$0].label ?? -1 }
        let batchIdentities = zip(batchRows, batchVariants).map { row, variant in
            let id = split.identityIndex[row]
            return id < 0 ? -1 : id * variants + variant
        }
        let part = share?(batchRows.count) ?? 0..<batchRows.count
        let rows = Array(batchRows[part])
        let n = rows.count
        let h = augmenter.preprocessing.height
        let w = augmenter.preprocessing.width
        let images = Tensor(shape: [n, 3, h, w])
        let out = SendablePointer(images.data)
        let render: (Int) -> Void = { i in
            var rng = afterVariant[part.lowerBound + i]
            self.augmenter.render(
                self.cache.image(rows[i]), variant: batchVariants[part.lowerBound + i], rng: &rng,
                into: out.pointer + i * 3 * h * w)
        }
        if parallel { Parallel.forEach(n, render) } else { for i in 0..<n { render(i) } }
        return Batch(
            images: images, labels: Array(batchLabels[part]), identities: Array(batchIdentities[part]), rows: rows,
            batchLabels: batchLabels, batchIdentities: batchIdentities, firstRow: part.lowerBound)
    }

    // MARK: prefetching

    private let condition = NSCondition()
    private var queue: [(Int, Batch)] = []
    private var worker: Thread?
    private var stopRequested = false
    private var generation = 0

    /// Starts rendering batches `from…` of `epoch` in the background, two ahead of the consumer.
    package func start(epoch: Int, from first: Int) {
        stop()
        condition.lock()
        stopRequested = false
        generation += 1
        let myGeneration = generation
        queue = []
        condition.unlock()
        let order = self.order(epoch: epoch)
        let count = batchesPerEpoch
        let thread = Thread { [weak self] in
            guard let self else { return }
            for index in first..<count {
                let b = self.batch(epoch: epoch, index: index, order: order)
                self.condition.lock()
                while self.queue.count >= 2 && !self.stopRequested { self.condition.wait() }
                if self.stopRequested || self.generation != myGeneration {
                    self.condition.unlock()
                    return
                }
                self.queue.append((index, b))
                self.condition.broadcast()
                self.condition.unlock()
            }
        }
        thread.stackSize = 8 << 20
        worker = thread
        thread.start()
    }

    /// The next prefetched batch (blocks until it is ready).
    package func next() -> (index: Int, batch: Batch) {
        condition.lock()
        while queue.isEmpty { condition.wait() }
        let item = queue.removeFirst()
        condition.broadcast()
        condition.unlock()
        return item
    }

    package func stop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        condition.unlock()
        worker = nil
    }

    deinit { stop() }
}
