import Engine

extension PairVerification {
    /// The metrics of every pair of `embeddings`, computed by `group`'s ranks, each over every `size`-th tile
    /// pair (`BucketedPairScores.tilePairs`); every rank passes the same embeddings. Rank 0 gathers the parts
    /// and returns exactly what one process computes; the other ranks return nil.
    package static func sharded(
        embeddings: UnsafePointer<Float>, count n: Int, dimension d: Int, identities: [Int], group: Communicator,
        targets: [Double] = ROC.standardTargets, histogramBins: Int = 100
    ) throws -> PairVerification? {
        precondition(identities.count == n, "one identity per embedding")
        guard n >= 2 else { throw ROC.Failure.empty }
        let mine = BucketedPairScores.tilePairs(count: n).enumerated()
            .filter { $0.offset % group.size == group.rank }.map(\.element)
        var part: BucketedPairScores?
        var failed = 0.0
        do {
            part = try BucketedPairScores(
                embeddings: embeddings, count: n, dimension: d, identities: identities, tiles: mine)
        } catch {
            failed = 1
        }
        // Every rank learns of a failure on any one (a non-finite score), so none waits for a part never sent.
        guard group.maximum([failed])[0] == 0, let part else { throw ROC.Failure.notFinite(index: -1) }
        guard let parts = group.gather(part.serialized, root: 0) else { return nil }
        let merged = BucketedPairScores(merging: parts.map(BucketedPairScores.init(serialized:)))
        return try PairVerification(scores: merged, targets: targets, histogramBins: histogramBins)
    }
}
