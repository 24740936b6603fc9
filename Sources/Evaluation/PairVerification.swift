import Engine
import Foundation

/// Exact verification metrics over *all* unordered pairs of a large set of L2-normalised embeddings without
/// sorting the scores. Pass 1 computes the cosine of every pair i < j by blocked GEMMs, keeps an
/// order-preserving 32-bit key of each float score and counts positives and negatives per bucket of the key's
/// top 16 bits; pass 2 moves the low 16 bits of every key into its bucket; each bucket is then ordered by its
/// low bits. Walking the buckets from the highest score down yields every ROC point (one per distinct score,
/// ties grouped) exactly as scikit-learn's `roc_curve` would on the same float32 scores, so AUROC (trapezoid, in
/// Double), the TPR@FPR table and the best accuracy / F1 thresholds are exact. Memory: 6 bytes per pair.
package struct PairVerification: Sendable {
    package var auc: Double
    package var positives: Int
    package var negatives: Int
    package var table: [ROC.OperatingPoint]
    /// The threshold with the best accuracy and the one with the best F1 (positive = score ≥ threshold).
    package var bestAccuracy: ThresholdPoint
    package var bestF1: ThresholdPoint
    /// Accuracy and F1 against the threshold, sampled at up to ~200 thresholds along the ROC.
    package var curve: [ThresholdPoint]
    /// Similarity histograms (`bins` equal bins over [-1, 1]) of positive and negative pairs.
    package var positiveHistogram: [Int]
    package var negativeHistogram: [Int]

    package struct ThresholdPoint: Codable, Equatable, Sendable {
        package var threshold: Double
        package var accuracy: Double
        package var f1: Double
        /// The ROC point at this threshold (for plots).
        package var tpr: Double = 0
        package var fpr: Double = 0

        package init(threshold: Double, accuracy: Double, f1: Double) {
            self.threshold = threshold
            self.accuracy = accuracy
            self.f1 = f1
        }

        /// Accuracy and F1 when `tp` of `p` positives and `fp` of `q` negatives score ≥ `threshold`.
        package init(threshold: Double, tp: Double, fp: Double, positives p: Double, negatives q: Double) {
            self.init(threshold: threshold, accuracy: (tp + q - fp) / (p + q), f1: 2 * tp / (2 * tp + fp + (p - tp)))
            tpr = p > 0 ? tp / p : 0
            fpr = q > 0 ? fp / q : 0
        }
    }

    /// Order-preserving map of a float onto UInt32 (larger float → larger key).
    @inline(__always)
    static func key(_ f: Float) -> UInt32 {
        let b = f.bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    @inline(__always)
    static func value(_ k: UInt32) -> Float {
        Float(bitPattern: k & 0x8000_0000 != 0 ? k & 0x7FFF_FFFF : ~k)
    }

    /// `embeddings` is `[n, d]` row-major (rows L2-normalised), `identities[i]` the identity of row i.
    package init(
        embeddings: UnsafePointer<Float>, count n: Int, dimension d: Int, identities: [Int],
        targets: [Double] = ROC.standardTargets, histogramBins: Int = 100
    ) throws {
        precondition(identities.count == n, "one identity per embedding")
        guard n >= 2 else { throw ROC.Failure.empty }
        let scores = try BucketedPairScores(
            embeddings: embeddings, count: n, dimension: d, identities: identities,
            tiles: BucketedPairScores.tilePairs(count: n))
        try self.init(scores: scores, targets: targets, histogramBins: histogramBins)
    }

    /// The metrics of every pair in `scores` (one process's, or every rank's merged).
    package init(scores: BucketedPairScores, targets: [Double] = ROC.standardTargets, histogramBins: Int = 100) throws {
        let buckets = BucketedPairScores.buckets
        let pos = scores.positiveCounts
        let neg = scores.negativeCounts
        let p = pos.reduce(0, +)
        let q = neg.reduce(0, +)
        guard p > 0, q > 0 else { throw ROC.Failure.oneClass(positives: p, negatives: q) }
        var posStart = [Int](repeating: 0, count: buckets + 1)
        var negStart = posStart
        for k in 0..<buckets {
            posStart[k + 1] = posStart[k] + pos[k]
            negStart[k + 1] = negStart[k] + neg[k]
        }
        let posLow = scores.positiveLows
        let negLow = scores.negativeLows
        // Walk the buckets from the top, ordering each by its low bits (counting when large, sorting when small).
        var tp = 0
        var fpCount = 0
        var lastFPR = 0.0
        var lastTPR = 0.0
        var area = 0.0
        var best = [ROC.OperatingPoint](
            repeating: ROC.OperatingPoint(fprTarget: 0, tpr: 0, fpr: 0, threshold: .infinity), count: targets.count)
        for (t, f) in targets.enumerated() { best[t].fprTarget = f }
        var lowPos = [Int](repeating: 0, count: 1 << 16)
        var lowNeg = lowPos
        var bestAcc = ThresholdPoint(threshold: .infinity, accuracy: Double(q) / Double(p + q), f1: 0)
        var bestF = bestAcc
        var curve: [ThresholdPoint] = []
        let every = max(1, (p + q) / 200)
        var nextSample = 0
        var nextFalsePositives = 1
        // Targets ascending; `pending` is the first target whose point is not settled yet. A target is settled by
        // the last point before the FPR first exceeds it, so each point costs O(1).
        let order = targets.indices.sorted { targets[$0] < targets[$1] }
        var pending = 0
        var previous = ROC.OperatingPoint(fprTarget: 0, tpr: 0, fpr: 0, threshold: .infinity)
        func emit(_ threshold: Float) {
            let fpr = Double(fpCount) / Double(q)
            let tpr = Double(tp) / Double(p)
            area += (fpr - lastFPR) * (tpr + lastTPR) / 2
            lastFPR = fpr
            lastTPR = tpr
            while pending < order.count && fpr > targets[order[pending]] {
                best[order[pending]] = ROC.OperatingPoint(
                    fprTarget: targets[order[pending]], tpr: previous.tpr, fpr: previous.fpr,
                    threshold: previous.threshold)
                pending += 1
            }
            previous = ROC.OperatingPoint(fprTarget: 0, tpr: tpr, fpr: fpr, threshold: Double(threshold))
            let point = ThresholdPoint(
                threshold: Double(threshold), tp: Double(tp), fp: Double(fpCount),
                positives: Double(p), negatives: Double(q))
            if point.accuracy > bestAcc.accuracy { bestAcc = point }
            if point.f1 > bestF.f1 { bestF = point }
            // Evenly spaced in pairs called positive, plus log-spaced in false positives (for log-FPR plots).
            if tp + fpCount >= nextSample || fpCount >= nextFalsePositives {
                curve.append(point)
                nextSample = tp + fpCount + every
                nextFalsePositives = max(nextFalsePositives * 5 / 4, fpCount + 1)
            }
        }
        for k in stride(from: buckets - 1, through: 0, by: -1) where pos[k] + neg[k] > 0 {
            let pr = posStart[k]..<posStart[k + 1]
            let nr = negStart[k]..<negStart[k + 1]
            if pr.count + nr.count > 4096 {
                for i in pr { lowPos[Int(posLow[i])] += 1 }
                for i in nr { lowNeg[Int(negLow[i])] += 1 }
                for low in stride(from: (1 << 16) - 1, through: 0, by: -1) where lowPos[low] + lowNeg[low] > 0 {
                    tp += lowPos[low]
                    fpCount += lowNeg[low]
                    lowPos[low] = 0
                    lowNeg[low] = 0
                    emit(Self.value(UInt32(k) << 16 | UInt32(low)))
                }
            } else {
                var items: [(UInt16, Bool)] = pr.map { (posLow[$0], true) } + nr.map { (negLow[$0], false) }
                items.sort { $0.0 > $1.0 }
                var i = 0
                while i < items.count {
                    let low = items[i].0
                    while i < items.count && items[i].0 == low {
                        if items[i].1 { tp += 1 } else { fpCount += 1 }
                        i += 1
                    }
                    emit(Self.value(UInt32(k) << 16 | UInt32(low)))
                }
            }
        }
        for t in order[pending...] {
            best[t] = ROC.OperatingPoint(
                fprTarget: targets[t], tpr: previous.tpr, fpr: previous.fpr, threshold: previous.threshold)
        }
        auc = area
        bestAccuracy = bestAcc
        bestF1 = bestF
        self.curve = curve
        positives = p
        negatives = q
        table = best
        // Histograms from the bucket counts (each bucket's representative value is its lowest score).
        var ph = [Int](repeating: 0, count: histogramBins)
        var nh = ph
        for k in 0..<buckets where pos[k] + neg[k] > 0 {
            let v = Double(Self.value(UInt32(k) << 16 | 0x8000))
            let bin = min(histogramBins - 1, max(0, Int((v + 1) / 2 * Double(histogramBins))))
            ph[bin] += pos[k]
            nh[bin] += neg[k]
        }
        positiveHistogram = ph
        negativeHistogram = nh
    }
}
