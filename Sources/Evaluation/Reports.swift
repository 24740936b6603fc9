import Foundation

/// Everything `evaluate` measured, as written to `report.json`.
package struct EvaluationReport: Codable, Sendable {
    package var model: String
    package var split: String
    package var images: Int
    package var classification: ClassificationEvaluation?
    package var verification: VerificationReport?
    package var zeroShot: ZeroShotCheck?
    /// Classification accuracy per value of each `--breakdown` column (such as a capture's kind).
    package var breakdowns: [AccuracyBreakdown]?
    /// The test-time augmentation views and weights, when this report is of a TTA run.
    package var tta: String?

    package init(model: String, split: String, images: Int) {
        self.model = model
        self.split = split
        self.images = images
    }

    /// JSON coders for reports: thresholds can be +∞ (the first ROC point), written as the string "inf".
    package static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    package static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}

/// The classification head on its own: the report, the confusion matrix and one-vs-rest ROC per class.
package struct ClassificationEvaluation: Codable, Sendable {
    package var classNames: [String]
    package var metrics: ClassificationMetrics
    /// One-vs-rest AUROC per class (nil where the split has only one side for that class).
    package var auroc: [Double?]
    /// Binary heads: the TPR@FPR table of the positive class's score.
    package var tprAtFPR: [ROC.OperatingPoint]?
    package var rule = ROC.rule
    /// One-vs-rest ROC curves per class as [fpr, tpr] points (at most ~400 each, for plots).
    package var rocCurves: [[[Double]]] = []
    /// Binary heads: accuracy and F1 against the threshold on the positive class's probability, and the best
    /// of each (same definitions as the verification report's).
    package var accuracyF1VersusThreshold: [PairVerification.ThresholdPoint]?
    package var bestAccuracy: PairVerification.ThresholdPoint?
    package var bestF1: PairVerification.ThresholdPoint?

    package init(logits: [[Float]], truth: [Int], classNames: [String], binary: Bool) throws {
        self.classNames = classNames
        let probabilities = Self.probabilities(logits, binary: binary)
        if let bad = probabilities.firstIndex(where: { $0.contains { !$0.isFinite } }) {
            throw ROC.Failure.notFinite(index: bad)
        }
        let predicted = Self.predictedClasses(probabilities)
        let k = binary ? 2 : classNames.count
        metrics = ClassificationMetrics(truth: truth, predicted: predicted, classes: k)
        let rocs = (0..<k).map { c in try? ROC(scores: probabilities.map { $0[c] }, positive: truth.map { $0 == c }) }
        auroc = rocs.map { $0?.auc }
        rocCurves = rocs.map { roc in
            guard let roc else { return [] }
            let every = max(1, roc.fpr.count / 400)
            return roc.fpr.indices.filter { $0 % every == 0 || $0 == roc.fpr.count - 1 }.map {
                [roc.fpr[$0], roc.tpr[$0]]
            }
        }
        if binary, let roc = try? ROC(scores: probabilities.map { $0[1] }, positive: truth.map { $0 == 1 }) {
            tprAtFPR = roc.table()
            let points = VerificationReport(roc)
            accuracyF1VersusThreshold = points.accuracyF1VersusThreshold
            bestAccuracy = points.bestAccuracy
            bestF1 = points.bestF1
        }
    }

    /// Class probabilities from logits: softmax, or for a binary head the sigmoid's [1 − p, p].
    package static func probabilities(_ logits: [[Float]], binary: Bool) -> [[Double]] {
        logits.map { row in
            if binary {
                let p = 1 / (1 + exp(-Double(row[0])))
                return [1 - p, p]
            }
            let m = row.max() ?? 0
            let e = row.map { exp(Double($0 - m)) }
            let z = e.reduce(0, +)
            return e.map { $0 / z }
        }
    }

    /// The predicted class of each row: the most probable one.
    package static func predictedClasses(_ probabilities: [[Double]]) -> [Int] {
        probabilities.map { p in p.indices.max { p[$0] < p[$1] }! }
    }

    package var summary: [String] {
        var lines = [
            String(
                format: "classification: accuracy %.4f  macro-F1 %.4f  weighted-F1 %.4f", metrics.accuracy,
                metrics.macroF1, metrics.weightedF1)
        ]
        lines.append("  class            precision  recall     F1         support  AUROC (one-vs-rest)")
        for c in 0..<metrics.classes {
            let name = c < classNames.count ? classNames[c] : "class \(c)"
            lines.append(
                "  " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(
                        format: " %-10.4f %-10.4f %-10.4f %-8d ", metrics.precision[c], metrics.recall[c],
                        metrics.f1[c], metrics.support[c])
                    + (auroc[c].map { String(format: "%.4f", $0) } ?? "n/a (one class only)"))
        }
        lines.append("  confusion (rows true, columns predicted): \(metrics.confusion)")
        if let table = tprAtFPR, let a = bestAccuracy, let f = bestF1 {
            lines.append(
                "  positive-class score: TPR@FPR "
                    + table.map { String(format: "%g→%.4f (≥ %.4f)", $0.fprTarget, $0.tpr, $0.threshold) }
                    .joined(separator: ", "))
            lines.append(
                String(
                    format: "  best accuracy %.4f at threshold %.4f; best F1 %.4f at threshold %.4f", a.accuracy,
                    a.threshold, f.f1, f.threshold))
        }
        return lines + notes.map { "  note: " + $0 }
    }

    /// What a reader must know to read the figures right (printed, and shown in report.html).
    package var notes: [String] {
        let absent = (0..<metrics.classes).filter { metrics.support[$0] == 0 }.map {
            $0 < classNames.count ? classNames[$0] : "class \($0)"
        }
        guard !absent.isEmpty else { return [] }
        return [
            "no row of the split is " + absent.joined(separator: ", ") + "; macro-F1 still averages over all "
                + "\(metrics.classes) classes (scikit-learn with labels=range(K)), so it is low by construction"
        ]
    }
}

/// Which pairs a verification report scored.
package enum PairSelection: String, Codable, Sendable {
    /// Every unordered pair of rows with an identity.
    case all
    /// `--pairs N`: N random pairs (seeded).
    case sampled
    /// `--pairs-file`: the pairs the file lists.
    case listed
}

/// The embedding head on its own: verification over all pairs of the split.
package struct VerificationReport: Codable, Sendable {
    package var pairs: Int
    package var positives: Int
    package var negatives: Int
    package var auroc: Double
    package var tprAtFPR: [ROC.OperatingPoint]
    package var rule = ROC.rule
    package var positiveHistogram: [Int]
    package var negativeHistogram: [Int]
    package var bestAccuracy: PairVerification.ThresholdPoint
    package var bestF1: PairVerification.ThresholdPoint
    package var accuracyF1VersusThreshold: [PairVerification.ThresholdPoint]
    package var selection: PairSelection

    /// From an explicit ROC (sampled pairs or a pairs file); no histograms.
    package init(_ roc: ROC, selection: PairSelection = .all) {
        self.selection = selection
        pairs = roc.positives + roc.negatives
        positives = roc.positives
        negatives = roc.negatives
        auroc = roc.auc
        tprAtFPR = roc.table()
        positiveHistogram = []
        negativeHistogram = []
        var bestAcc = PairVerification.ThresholdPoint(
            threshold: .infinity, accuracy: Double(roc.negatives) / Double(pairs), f1: 0)
        var bestF = bestAcc
        var curve: [PairVerification.ThresholdPoint] = []
        let every = max(1, roc.fpr.count / 200)
        for i in roc.fpr.indices {
            let tp = roc.tpr[i] * Double(roc.positives)
            let fp = roc.fpr[i] * Double(roc.negatives)
            let point = PairVerification.ThresholdPoint(
                threshold: roc.thresholds[i], tp: tp, fp: fp,
                positives: Double(roc.positives), negatives: Double(roc.negatives))
            if point.accuracy > bestAcc.accuracy { bestAcc = point }
            if point.f1 > bestF.f1 { bestF = point }
            if i % every == 0 { curve.append(point) }
        }
        bestAccuracy = bestAcc
        bestF1 = bestF
        accuracyF1VersusThreshold = curve
    }

    package init(_ v: PairVerification) {
        selection = .all
        bestAccuracy = v.bestAccuracy
        bestF1 = v.bestF1
        accuracyF1VersusThreshold = v.curve
        pairs = v.positives + v.negatives
        positives = v.positives
        negatives = v.negatives
        auroc = v.auc
        tprAtFPR = v.table
        positiveHistogram = v.positiveHistogram
        negativeHistogram = v.negativeHistogram
    }

    package var summary: [String] {
        var lines = [String(format: "verification: %d pairs (%d positive), AUROC %.6f", pairs, positives, auroc)]
        lines.append("  FPR target   TPR        actual FPR   threshold")
        for p in tprAtFPR {
            lines.append(String(format: "  %-12g %-10.4f %-12.3g %.6f", p.fprTarget, p.tpr, p.fpr, p.threshold))
        }
        lines.append("  rule: \(rule)")
        lines.append(
            String(
                format: "  best accuracy %.4f at threshold %.6f; best F1 %.4f at threshold %.6f",
                bestAccuracy.accuracy, bestAccuracy.threshold, bestF1.f1, bestF1.threshold))
        return lines + notes.map { "  note: " + $0 }
    }

    /// Which pairs were scored, how many of each kind, and which TPR@FPR levels rest on too few negatives.
    package var notes: [String] {
        let which: String
        switch selection {
        case .all: which = "all \(pairs) unordered pairs of the rows with an identity"
        case .sampled: which = "\(pairs) random pairs (seeded), not all pairs"
        case .listed: which = "the \(pairs) pairs of the pairs file"
        }
        var notes = ["scored \(which): \(positives) positive (same identity), \(negatives) negative"]
        // A level f is estimated from f · negatives false positives: below ~100 of them it is mostly noise.
        let thin = tprAtFPR.map(\.fprTarget).filter { $0 < 1 && Double(negatives) * $0 < 100 }
        if !thin.isEmpty {
            notes.append(
                "TPR@FPR=" + thin.map(fprLabel).joined(separator: ", ")
                    + " rest\(thin.count == 1 ? "s" : "") on fewer than 100 false positives (\(negatives) negative "
                    + "pairs): treat \(thin.count == 1 ? "it" : "them") as rough")
        }
        return notes
    }
}

/// Whether the test identities are disjoint from the training ones.
package struct ZeroShotCheck: Codable, Sendable {
    package var trainSplit: String
    package var sharedIdentities: [String]
    package var holds: Bool { sharedIdentities.isEmpty }
    package init(trainSplit: String, sharedIdentities: [String]) {
        self.trainSplit = trainSplit
        self.sharedIdentities = sharedIdentities
    }
}
