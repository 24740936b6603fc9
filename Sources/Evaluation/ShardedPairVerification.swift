import Engine

extension PairVerification {
    /// The most bytes of low bits rank 0 receives in one gather (MPI counts are `int`; the rounds also bound
    /// rank 0's receive buffers). Tests lower it to exercise many rounds.
    nonisolated(unsafe) package static var gatherLimit = 1 << 30

    /// The metrics of every pair of `embeddings`, computed by `group`'s ranks, each over every `size`-th tile
    /// pair (`BucketedPairScores.tilePairs`); every rank passes the same embeddings. Rank 0 collects the parts
    /// bucket by bucket and returns exactly what one process computes; the other ranks return nil.
    ///
    /// Rank 0 learns every rank's counts per bucket once, then receives the low bits in rounds of consecutive
    /// buckets (at most `gatherLimit` bytes each) and places them directly: it holds 2 bytes per pair of the
    /// whole matrix plus one round's messages.
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
        if group.size == 1 { return try PairVerification(scores: part, targets: targets, histogramBins: histogramBins) }
        let merged = collect(part, group: group)
        return try merged.map { try PairVerification(scores: $0, targets: targets, histogramBins: histogramBins) }
    }

    /// Every rank's part merged on rank 0 (nil elsewhere).
    private static func collect(_ part: BucketedPairScores, group: Communicator) -> BucketedPairScores? {
        let buckets = BucketedPairScores.buckets
        // Every rank's counts on rank 0 (to place what it receives); the totals on every rank (to plan rounds).
        var writer = [Int64]()
        writer.reserveCapacity(2 * buckets)
        for count in part.positiveCounts + part.negativeCounts { writer.append(Int64(count).littleEndian) }
        let countBytes = writer.withUnsafeBytes { Array($0) }
        let gatheredCounts = group.gather(countBytes, root: 0)
        var totals = (part.positiveCounts + part.negativeCounts).map(Double.init)
        totals.withUnsafeMutableBufferPointer { group.allReduceSum($0.baseAddress!, count: 2 * buckets) }
        let rounds = plan(totals: totals, limit: gatherLimit)
        // Where this rank's low bits of each bucket start.
        var positiveStart = [Int](repeating: 0, count: buckets + 1)
        var negativeStart = positiveStart
        for k in 0..<buckets {
            positiveStart[k + 1] = positiveStart[k] + part.positiveCounts[k]
            negativeStart[k + 1] = negativeStart[k] + part.negativeCounts[k]
        }
        var rankCounts: [[Int]] = []
        var positiveLows: [UInt16] = []
        var negativeLows: [UInt16] = []
        if let gatheredCounts {
            rankCounts = gatheredCounts.map { bytes in
                bytes.withUnsafeBytes { raw in
                    (0..<(2 * buckets)).map {
                        Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)))
                    }
                }
            }
            positiveLows.reserveCapacity(Int(totals[0..<buckets].reduce(0, +)))
            negativeLows.reserveCapacity(Int(totals[buckets...].reduce(0, +)))
        }
        for round in rounds {
            // Rank 0 places its own part directly; the others send theirs.
            var message: [UInt8] = []
            if !group.isLeader {
                let p = positiveStart[round.lowerBound]..<positiveStart[round.upperBound]
                let q = negativeStart[round.lowerBound]..<negativeStart[round.upperBound]
                part.positiveLows[p].map(\.littleEndian).withUnsafeBytes { message += $0 }
                part.negativeLows[q].map(\.littleEndian).withUnsafeBytes { message += $0 }
            }
            guard let received = group.gather(message, root: 0) else { continue }
            // Each rank's message: its positive low bits of the round's buckets, then its negative ones.
            var cursors = (0..<group.size).map { rank in (positive: 0, negative: rankCounts[rank][round].reduce(0, +)) }
            for k in round {
                for rank in 0..<group.size {
                    let (positives, negatives) = (rankCounts[rank][k], rankCounts[rank][buckets + k])
                    if rank == 0 {
                        positiveLows += part.positiveLows[positiveStart[k]..<positiveStart[k + 1]]
                        negativeLows += part.negativeLows[negativeStart[k]..<negativeStart[k + 1]]
                        continue
                    }
                    received[rank].withUnsafeBytes { raw in
                        for i in 0..<positives {
                            let offset = 2 * (cursors[rank].positive + i)
                            positiveLows.append(
                                UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
                        }
                        for i in 0..<negatives {
                            let offset = 2 * (cursors[rank].negative + i)
                            negativeLows.append(
                                UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
                        }
                    }
                    cursors[rank].positive += positives
                    cursors[rank].negative += negatives
                }
            }
        }
        guard group.isLeader else { return nil }
        return BucketedPairScores(
            positiveCounts: totals[0..<buckets].map { Int($0) }, negativeCounts: totals[buckets...].map { Int($0) },
            positiveLows: positiveLows, negativeLows: negativeLows)
    }

    /// Consecutive bucket ranges whose low bits (2 bytes per pair) stay within `limit` bytes, a bucket larger
    /// than that alone in its range (it must still fit MPI's `int` count).
    static func plan(totals: [Double], limit: Int) -> [Range<Int>] {
        let buckets = BucketedPairScores.buckets
        var rounds: [Range<Int>] = []
        var start = 0
        var bytes = 0.0
        for k in 0..<buckets {
            let bucketBytes = 2 * (totals[k] + totals[buckets + k])
            precondition(bucketBytes < Double(Int32.max), "one score bucket holds \(Int(bucketBytes / 2)) pairs")
            if k > start && bytes + bucketBytes > Double(limit) {
                rounds.append(start..<k)
                start = k
                bytes = 0
            }
            bytes += bucketBytes
        }
        rounds.append(start..<buckets)
        return rounds
    }
}
