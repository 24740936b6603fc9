import Engine
import Evaluation
import XCTest

final class PairVerificationTests: XCTestCase {
    /// Reference: every pair's score listed and handed to the exact sort-based `ROC`.
    private func reference(_ x: [Float], n: Int, d: Int, ids: [Int]) throws -> ROC {
        var full = [Float](repeating: 0, count: n * n)
        x.withUnsafeBufferPointer { e in
            BLAS.gemm(
                transB: true, m: n, n: n, k: d, a: e.baseAddress!, lda: d, b: e.baseAddress!, ldb: d, c: &full, ldc: n)
        }
        var scores: [Double] = []
        var positive: [Bool] = []
        for i in 0..<n {
            for j in (i + 1)..<n {
                scores.append(Double(full[i * n + j]))
                positive.append(ids[i] == ids[j])
            }
        }
        return try ROC(scores: scores, positive: positive)
    }

    private func check(_ x: [Float], n: Int, d: Int, ids: [Int], line: UInt = #line) throws {
        let ours = try x.withUnsafeBufferPointer {
            try PairVerification(embeddings: $0.baseAddress!, count: n, dimension: d, identities: ids)
        }
        let ref = try reference(x, n: n, d: d, ids: ids)
        XCTAssertEqual(ours.positives, ref.positives, line: line)
        XCTAssertEqual(ours.negatives, ref.negatives, line: line)
        XCTAssertEqual(ours.auc, ref.auc, accuracy: 1e-12, line: line)
        for p in ours.table {
            let r = ref.operatingPoint(atFPR: p.fprTarget)
            XCTAssertEqual(p.tpr, r.tpr, accuracy: 1e-12, "TPR@\(p.fprTarget)", line: line)
            XCTAssertEqual(p.fpr, r.fpr, accuracy: 1e-12, line: line)
            XCTAssertEqual(p.threshold, r.threshold, "threshold@\(p.fprTarget)", line: line)
        }
        XCTAssertEqual(ours.positiveHistogram.reduce(0, +), ref.positives, line: line)
        // Best accuracy / F1 by brute force over the reference ROC points.
        var bestAcc = Double(ref.negatives) / Double(ref.positives + ref.negatives)
        var bestF1 = 0.0
        for i in ref.fpr.indices {
            let tp = ref.tpr[i] * Double(ref.positives)
            let fp = ref.fpr[i] * Double(ref.negatives)
            bestAcc = max(bestAcc, (tp + Double(ref.negatives) - fp) / Double(ref.positives + ref.negatives))
            bestF1 = max(bestF1, 2 * tp / (2 * tp + fp + (Double(ref.positives) - tp)))
        }
        XCTAssertEqual(ours.bestAccuracy.accuracy, bestAcc, accuracy: 1e-12, line: line)
        XCTAssertEqual(ours.bestF1.f1, bestF1, accuracy: 1e-12, line: line)
        XCTAssertFalse(ours.curve.isEmpty, line: line)
        XCTAssertEqual(ours.negativeHistogram.reduce(0, +), ref.negatives, line: line)
    }

    func testExactOnHeavilyTiedScores() throws {
        BLAS.configure()
        var rng = SeededGenerator(seed: 3)
        let n = 700
        let d = 8
        // Entries in {-1, 0, 1}/4: every dot product is exact and many pairs tie.
        let x = (0..<(n * d)).map { _ in Float(Int(rng.next() % 3) - 1) / 4 }
        let ids = (0..<n).map { $0 / 5 }
        try check(x, n: n, d: d, ids: ids)
    }

    /// Clustered embeddings over several 256-row tiles, quantised to k/64 so that every dot product is exact in
    /// float whatever the GEMM blocking (the reference computes its scores in one GEMM, we in tiles).
    func testExactOnClusteredEmbeddingsAcrossTiles() throws {
        BLAS.configure()
        var rng = SeededGenerator(seed: 4)
        let n = 900
        let d = 32
        let centres = (0..<(60 * d)).map { _ in rng.normal() * 3 }
        let ids = (0..<n).map { $0 % 60 }
        var x = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            for k in 0..<d {
                x[i * d + k] = (min(max(centres[ids[i] * d + k] + 2 * rng.normal(), -8), 8)).rounded() / 64
            }
        }
        try check(x, n: n, d: d, ids: ids)
    }

    func testRefusesOneClassAndNaN() {
        var x: [Float] = [1, 0, 0, 1, 1, 0]
        XCTAssertThrowsError(
            try x.withUnsafeBufferPointer {
                try PairVerification(embeddings: $0.baseAddress!, count: 3, dimension: 2, identities: [0, 1, 2])
            }
        ) {
            XCTAssertTrue("\($0)".contains("both positives and negatives"))
        }
        x[0] = .nan
        XCTAssertThrowsError(
            try x.withUnsafeBufferPointer {
                try PairVerification(embeddings: $0.baseAddress!, count: 3, dimension: 2, identities: [0, 0, 1])
            })
    }
}
