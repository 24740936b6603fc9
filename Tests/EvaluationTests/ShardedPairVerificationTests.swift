import Engine
import Evaluation
import XCTest

/// Sharded all-pairs verification (ranks as threads of this process) against one process: the same report,
/// every field exactly.
final class ShardedPairVerificationTests: XCTestCase {
    /// 700 rows (3 tiles: 6 tile pairs, split 3/3, 2/2/2 and unevenly 2/1/1/1/1 over 2, 3 and 5 ranks), 40
    /// identities, scores quantised so that many pairs tie, and one process's report compared field by field;
    /// rank 0 receives the low bits in one round or in many small ones.
    func testRanksGiveOneProcessesReport() throws {
        let n = 700
        let d = 16
        var generator = SeededGenerator(seed: 21)
        let ids = (0..<n).map { $0 % 40 }
        var x = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            for j in 0..<d { x[i * d + j] = (generator.normal() + (j == ids[i] % d ? 2 : 0)).rounded() }
            let norm = (0..<d).map { x[i * d + $0] * x[i * d + $0] }.reduce(0, +).squareRoot()
            for j in 0..<d { x[i * d + j] /= max(norm, 1e-6) }
        }
        let embeddings = x
        let one = try embeddings.withUnsafeBufferPointer {
            try PairVerification(embeddings: $0.baseAddress!, count: n, dimension: d, identities: ids)
        }
        let limit = PairVerification.gatherLimit
        defer { PairVerification.gatherLimit = limit }
        // One round of low bits, and rounds of at most 4 KiB (rank 0 places many rounds).
        for (size, gatherLimit) in [(2, limit), (3, limit), (5, limit), (2, 4096), (3, 4096)] {
            PairVerification.gatherLimit = gatherLimit
            let reports = try LocalRankGroup(size: size).run { group in
                try embeddings.withUnsafeBufferPointer {
                    try PairVerification.sharded(
                        embeddings: $0.baseAddress!, count: n, dimension: d, identities: ids, group: group)
                }
            }
            XCTAssertTrue(reports.dropFirst().allSatisfy { $0 == nil }, "only rank 0 reports")
            let sharded = try XCTUnwrap(reports[0])
            XCTAssertEqual(
                sharded.auc.bitPattern, one.auc.bitPattern, "AUROC over \(size) ranks, rounds ≤ \(gatherLimit) B")
            XCTAssertEqual(sharded.positives, one.positives)
            XCTAssertEqual(sharded.negatives, one.negatives)
            XCTAssertEqual(sharded.table, one.table, "TPR@FPR over \(size) ranks")
            XCTAssertEqual(sharded.bestAccuracy, one.bestAccuracy)
            XCTAssertEqual(sharded.bestF1, one.bestF1)
            XCTAssertEqual(sharded.curve, one.curve)
            XCTAssertEqual(sharded.positiveHistogram, one.positiveHistogram)
            XCTAssertEqual(sharded.negativeHistogram, one.negativeHistogram)
        }
    }
}
