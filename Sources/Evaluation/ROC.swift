/// A receiver operating characteristic computed like scikit-learn's `roc_curve(drop_intermediate=False)`:
/// one point per distinct score in descending order (ties grouped), a first point at threshold +∞, counts
/// accumulated exactly. "Positive" means score ≥ threshold.
package struct ROC: Codable, Equatable, Sendable {
    package var fpr: [Double]
    package var tpr: [Double]
    package var thresholds: [Double]
    package var positives: Int
    package var negatives: Int

    package enum Failure: Error, CustomStringConvertible, Equatable {
        case empty, oneClass(positives: Int, negatives: Int), notFinite(index: Int)
        package var description: String {
            switch self {
            case .empty: return "no scores to evaluate"
            case .oneClass(let p, let n):
                return
                    "ROC needs both positives and negatives (got \(p) positive, \(n) negative); check the labels or the split"
            case .notFinite(let i): return "score \(i) is NaN or infinite; the model produced invalid outputs"
            }
        }
    }

    /// `scores[i]` with `positive[i]`.
    package init(scores: [Double], positive: [Bool]) throws {
        precondition(scores.count == positive.count, "scores and labels differ in length")
        guard !scores.isEmpty else { throw Failure.empty }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) { throw Failure.notFinite(index: bad) }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let p = positive.filter { $0 }.count
        let n = positive.count - p
        guard p > 0, n > 0 else { throw Failure.oneClass(positives: p, negatives: n) }
        var fpr = [0.0]
        var tpr = [0.0]
        var thresholds = [Double.infinity]
        var tp = 0
        var fp = 0
        var i = 0
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if positive[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            fpr.append(Double(fp) / Double(n))
            tpr.append(Double(tp) / Double(p))
            thresholds.append(s)
        }
        self.init(fpr: fpr, tpr: tpr, thresholds: thresholds, positives: p, negatives: n)
    }

    package init(fpr: [Double], tpr: [Double], thresholds: [Double], positives: Int, negatives: Int) {
        self.fpr = fpr
        self.tpr = tpr
        self.thresholds = thresholds
        self.positives = positives
        self.negatives = negatives
    }

    /// Area under the curve by the trapezoid rule (equals Mann–Whitney U with ties counted ½).
    package var auc: Double {
        var area = 0.0
        for i in 1..<fpr.count { area += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2 }
        return area
    }

    /// One row of the TPR@FPR table.
    package struct OperatingPoint: Codable, Equatable, Sendable {
        package var fprTarget: Double
        package var tpr: Double
        package var fpr: Double
        package var threshold: Double
    }

    /// The rule printed beside every table.
    package static let rule =
        "TPR@FPR=f: the ROC point with the largest FPR ≤ f (ties grouped); positive means score ≥ threshold"

    /// TPR@FPR=f: the ROC point with the largest FPR ≤ f (the last such point, so the highest TPR there).
    package func operatingPoint(atFPR target: Double) -> OperatingPoint {
        var best = 0
        for i in fpr.indices where fpr[i] <= target { best = i }
        return OperatingPoint(fprTarget: target, tpr: tpr[best], fpr: fpr[best], threshold: thresholds[best])
    }

    package static let standardTargets: [Double] = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]

    package func table(_ targets: [Double] = ROC.standardTargets) -> [OperatingPoint] {
        targets.map(operatingPoint(atFPR:))
    }
}
