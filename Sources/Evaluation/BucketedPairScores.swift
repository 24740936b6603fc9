import Engine
import Foundation

/// Passes 1 and 2 of `PairVerification` over some of the pair tiles: positives and negatives counted per
/// bucket (the top 16 bits of each score's order-preserving key) and the low 16 bits of every score grouped by
/// bucket. The metrics depend only on how many pairs of each kind have each key, so parts computed
/// separately — by the ranks of a sharded `evaluate`, each over its share of the tiles — merge exactly
/// (`PairVerification.sharded` places them bucket by bucket) into what one process computes over all of them.
package struct BucketedPairScores: Sendable {
    /// Rows per tile: pairs are scored a tile against a tile by one GEMM.
    package static let tile = 256
    package static let buckets = 1 << 16
    /// Pairs per bucket, of the same identity and of different ones.
    package var positiveCounts: [Int]
    package var negativeCounts: [Int]
    /// The low 16 bits of every score, bucket after bucket (the order inside a bucket does not matter).
    package var positiveLows: [UInt16]
    package var negativeLows: [UInt16]

    /// Every (tile a, tile b ≥ a) of `count` rows: together they hold every unordered pair once.
    package static func tilePairs(count n: Int) -> [(Int, Int)] {
        let tiles = (n + tile - 1) / tile
        var jobs: [(Int, Int)] = []
        for a in 0..<tiles { for b in a..<tiles { jobs.append((a, b)) } }
        return jobs
    }

    /// The pairs of `tiles` (a subset of `tilePairs(count:)`) of `embeddings` (`[n, d]`, rows L2-normalised).
    package init(
        embeddings: UnsafePointer<Float>, count n: Int, dimension d: Int, identities: [Int], tiles: [(Int, Int)]
    ) throws {
        let tile = Self.tile
        let buckets = Self.buckets
        let jobs = tiles
        let ids = identities
        // The same job ranges go to the same worker in both passes (Parallel.chunks is deterministic), so
        // pass 2 can write each worker's pairs into slots reserved for it in pass 1: no locks.
        func scores(_ job: (Int, Int), into block: UnsafeMutablePointer<Float>) -> (i0: Int, j0: Int, mi: Int, mj: Int)
        {
            let (a, b) = job
            let i0 = a * tile
            let j0 = b * tile
            let mi = min(tile, n - i0)
            let mj = min(tile, n - j0)
            BLAS.gemm(
                transB: true, m: mi, n: mj, k: d, a: embeddings + i0 * d, lda: d, b: embeddings + j0 * d, ldb: d,
                c: block, ldc: mj)
            return (i0, j0, mi, mj)
        }
        // Pass 1 keeps every pair's key (4 bytes) in job order, so pass 2 reads them back instead of redoing
        // the GEMMs; each job's pairs start at `jobStart[job]`.
        var jobStart = [Int](repeating: 0, count: jobs.count + 1)
        for (index, (a, b)) in jobs.enumerated() {
            let mi = min(tile, n - a * tile)
            let mj = min(tile, n - b * tile)
            jobStart[index + 1] = jobStart[index] + (a == b ? mi * (mi - 1) / 2 : mi * mj)
        }
        let keys = UnsafeMutablePointer<UInt32>.allocate(capacity: max(jobStart[jobs.count], 1))
        defer { keys.deallocate() }
        let ks = SendablePointer(keys)
        let workers = Parallel.workers
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 2 * buckets * workers)
        counts.initialize(repeating: 0, count: 2 * buckets * workers)
        defer { counts.deallocate() }
        let cs = SendablePointer(counts)
        var invalid = [Bool](repeating: false, count: workers)
        invalid.withUnsafeMutableBufferPointer { inv in
            let bad = SendablePointer(inv.baseAddress!)
            Parallel.chunks(jobs.count) { w, range in
                let block = UnsafeMutablePointer<Float>.allocate(capacity: tile * tile)
                defer { block.deallocate() }
                let posC = cs.pointer + w * 2 * buckets
                let negC = posC + buckets
                for job in range {
                    let (i0, j0, mi, mj) = scores(jobs[job], into: block)
                    var at = jobStart[job]
                    for i in 0..<mi {
                        let idI = ids[i0 + i]
                        for j in (jobs[job].0 == jobs[job].1 ? i + 1 : 0)..<mj {
                            let sc = block[i * mj + j]
                            if !sc.isFinite { bad.pointer[w] = true }
                            let key = PairVerification.key(sc)
                            ks.pointer[at] = key
                            at += 1
                            if idI == ids[j0 + j] { posC[Int(key >> 16)] += 1 } else { negC[Int(key >> 16)] += 1 }
                        }
                    }
                }
            }
        }
        if invalid.contains(true) { throw ROC.Failure.notFinite(index: -1) }
        var pos = [Int](repeating: 0, count: buckets)
        var neg = pos
        for w in 0..<workers {
            for k in 0..<buckets {
                pos[k] += counts[w * 2 * buckets + k]
                neg[k] += counts[w * 2 * buckets + buckets + k]
            }
        }
        let p = pos.reduce(0, +)
        let q = neg.reduce(0, +)

        // Pass 2: the low 16 bits of every score, grouped by bucket, each worker in its reserved slots.
        var posStart = [Int](repeating: 0, count: buckets + 1)
        var negStart = posStart
        for k in 0..<buckets {
            posStart[k + 1] = posStart[k] + pos[k]
            negStart[k + 1] = negStart[k] + neg[k]
        }
        // At least one element each, so that both buffers have an address (an empty one is cut back below).
        var posLow = [UInt16](repeating: 0, count: max(p, 1))
        var negLow = [UInt16](repeating: 0, count: max(q, 1))
        // counts becomes each worker's next write position per bucket.
        for k in 0..<buckets {
            var ps = posStart[k]
            var ns = negStart[k]
            for w in 0..<workers {
                let pi = w * 2 * buckets + k
                let ni = pi + buckets
                let (pcount, ncount) = (counts[pi], counts[ni])
                counts[pi] = ps
                counts[ni] = ns
                ps += pcount
                ns += ncount
            }
        }
        posLow.withUnsafeMutableBufferPointer { positiveBuffer in
            negLow.withUnsafeMutableBufferPointer { negativeBuffer in
                let pl = SendablePointer(positiveBuffer.baseAddress!)
                let nl = SendablePointer(negativeBuffer.baseAddress!)
                Parallel.chunks(jobs.count) { w, range in
                    let posAt = cs.pointer + w * 2 * buckets
                    let negAt = posAt + buckets
                    for job in range {
                        let (a, b) = jobs[job]
                        let i0 = a * tile
                        let j0 = b * tile
                        let mi = min(tile, n - i0)
                        let mj = min(tile, n - j0)
                        var at = jobStart[job]
                        for i in 0..<mi {
                            let idI = ids[i0 + i]
                            for j in (a == b ? i + 1 : 0)..<mj {
                                let key = ks.pointer[at]
                                at += 1
                                let k = Int(key >> 16)
                                let low = UInt16(truncatingIfNeeded: key)
                                if idI == ids[j0 + j] {
                                    pl.pointer[posAt[k]] = low
                                    posAt[k] += 1
                                } else {
                                    nl.pointer[negAt[k]] = low
                                    negAt[k] += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        positiveCounts = pos
        negativeCounts = neg
        positiveLows = p == 0 ? [] : posLow
        negativeLows = q == 0 ? [] : negLow

    }

    /// Scores from their counts and low bits (grouped by bucket, as the fields say).
    package init(positiveCounts: [Int], negativeCounts: [Int], positiveLows: [UInt16], negativeLows: [UInt16]) {
        self.positiveCounts = positiveCounts
        self.negativeCounts = negativeCounts
        self.positiveLows = positiveLows
        self.negativeLows = negativeLows
    }
}
