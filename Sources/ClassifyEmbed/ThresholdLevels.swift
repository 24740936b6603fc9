import Evaluation
import Foundation
import Model

/// Which TPR@FPR levels of a verification `evaluate --write-thresholds` stores. The threshold at FPR f is set
/// by the f·N highest-scoring of N negative pairs; with fewer than `minimumFalsePositives` of them it moves
/// with the next few pairs (1,056 negatives put the 1e-5 threshold on the single top negative), so a level
/// needs at least 100/f negative pairs, and one below that is skipped rather than stored as if it were known.
struct ThresholdLevels {
    static let minimumFalsePositives = 100.0

    var stored: [ROC.OperatingPoint]
    var skipped: [ROC.OperatingPoint]
    var negatives: Int

    init(_ verification: VerificationReport) {
        negatives = verification.negatives
        let supported = { (p: ROC.OperatingPoint) in verification.negatives >= Self.negativesNeeded(p.fprTarget) }
        stored = verification.tprAtFPR.filter(supported)
        skipped = verification.tprAtFPR.filter { !supported($0) }
    }

    /// The fewest negative pairs a level at `fpr` rests on: 100/fpr.
    static func negativesNeeded(_ fpr: Double) -> Int {
        // The small margin keeps 100/0.01 at 10,000 whatever the rounding of 0.01.
        Int((minimumFalsePositives / fpr * (1 - 1e-9)).rounded(.up))
    }

    /// The table as the model file stores it.
    var table: [VerificationThreshold] {
        stored.map { VerificationThreshold(fprTarget: $0.fprTarget, tpr: $0.tpr, fpr: $0.fpr, threshold: $0.threshold) }
    }

    /// Why the skipped levels were not stored; nil when none was skipped.
    var warning: String? {
        guard !skipped.isEmpty else { return nil }
        let levels = skipped.map { String(format: "%g", $0.fprTarget) }.joined(separator: ", ")
        let needed = skipped.map { Self.count(Self.negativesNeeded($0.fprTarget)) }.joined(separator: ", ")
        return "warning: thresholds at FPR \(levels) not stored: a level f needs at least 100/f negative pairs "
            + "(\(needed)) and this evaluation has \(Self.count(negatives)); score more pairs of different "
            + "identities to store them"
    }

    /// The levels stored, as printed.
    var storedLevels: String { stored.map { String(format: "%g", $0.fprTarget) }.joined(separator: ", ") }

    /// 1234567 → "1,234,567".
    static func count(_ n: Int) -> String {
        let digits = Array(String(n))
        return String(
            digits.enumerated().flatMap { i, d in (i > 0 && (digits.count - i) % 3 == 0) ? [",", d] : [d] })
    }
}
