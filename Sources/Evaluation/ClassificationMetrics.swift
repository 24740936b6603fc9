/// Accuracy, per-class precision/recall/F1/support, macro and weighted F1 and the confusion matrix (rows
/// true, columns predicted), defined as scikit-learn's `classification_report` (zero_division = 0).
package struct ClassificationMetrics: Codable, Equatable, Sendable {
    package var classes: Int
    package var confusion: [[Int]]
    package var accuracy: Double
    package var precision: [Double]
    package var recall: [Double]
    package var f1: [Double]
    package var support: [Int]
    package var macroF1: Double
    package var weightedF1: Double

    package init(truth: [Int], predicted: [Int], classes: Int) {
        precondition(truth.count == predicted.count, "truth and predictions differ in length")
        var m = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (t, p) in zip(truth, predicted) { m[t][p] += 1 }
        self.classes = classes
        confusion = m
        let total = truth.count
        accuracy = total == 0 ? 0 : Double((0..<classes).map { m[$0][$0] }.reduce(0, +)) / Double(total)
        support = (0..<classes).map { m[$0].reduce(0, +) }
        precision = (0..<classes).map { c in
            let predictedC = (0..<classes).map { m[$0][c] }.reduce(0, +)
            return predictedC == 0 ? 0 : Double(m[c][c]) / Double(predictedC)
        }
        let s = support
        recall = (0..<classes).map { c in s[c] == 0 ? 0 : Double(m[c][c]) / Double(s[c]) }
        let p = precision
        let r = recall
        f1 = (0..<classes).map { c in p[c] + r[c] == 0 ? 0 : 2 * p[c] * r[c] / (p[c] + r[c]) }
        macroF1 = classes == 0 ? 0 : f1.reduce(0, +) / Double(classes)
        weightedF1 = total == 0 ? 0 : zip(f1, s).map { $0 * Double($1) }.reduce(0, +) / Double(total)
    }
}
