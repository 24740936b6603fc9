import Evaluation
import XCTest

/// A binary classification head gets the TPR@FPR table and accuracy / F1 against the threshold, checked here
/// against a brute-force sweep over every distinct score.
final class BinaryHeadTests: XCTestCase {
    func testAccuracyAndF1VersusThresholdMatchABruteForceSweep() throws {
        var state: UInt64 = 12345
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 300
        let truth = (0..<n).map { _ in next() < 0.3 ? 1 : 0 }
        // Noisy logits: positives higher on average; a few ties on purpose.
        let logits: [[Float]] = truth.map { t in [Float(((next() - 0.5) * 4 + Double(t) * 1.5) * 4).rounded() / 4] }
        let c = try ClassificationEvaluation(
            logits: logits, truth: truth, classNames: ["other", "screen"], binary: true)
        let p = logits.map { 1 / (1 + exp(-Double($0[0]))) }
        var bestAccuracy = 0.0
        var bestF1 = 0.0
        for t in Set(p) {
            let tp = Double(zip(p, truth).filter { $0.0 >= t && $0.1 == 1 }.count)
            let fp = Double(zip(p, truth).filter { $0.0 >= t && $0.1 == 0 }.count)
            let positives = Double(truth.filter { $0 == 1 }.count)
            let negatives = Double(n) - positives
            bestAccuracy = max(bestAccuracy, (tp + negatives - fp) / Double(n))
            bestF1 = max(bestF1, 2 * tp / (2 * tp + fp + (positives - tp)))
        }
        XCTAssertEqual(try XCTUnwrap(c.bestAccuracy).accuracy, bestAccuracy, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(c.bestF1).f1, bestF1, accuracy: 1e-12)
        XCTAssertFalse(try XCTUnwrap(c.accuracyF1VersusThreshold).isEmpty)
        XCTAssertEqual(c.tprAtFPR?.count, 6)
        XCTAssertTrue(c.summary.joined().contains("best F1"))
        XCTAssertNil(
            try ClassificationEvaluation(
                logits: [[1, 0], [0, 1]], truth: [0, 1], classNames: ["a", "b"], binary: false
            ).bestF1)
    }
}
