import Engine
import Evaluation
import XCTest

/// Sharded all-pairs verification (ranks as threads of this process) against one process: the same report,
/// every field exactly.
final class ShardedPairVerificationTests: XCTestCase {
    /// 700 rows (3 tiles: 6 tile pairs, split 3/3, 2/2/2 and unevenly 2/1/1/1/1 over 2, 3 and 5 ranks), 40
    /// identities, scores quantised so that many pairs tie, and one process's report compared field by field.
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
        for size in [2, 3, 5] {
            let reports = try LocalRankGroup(size: size).run { group in
                try embeddings.withUnsafeBufferPointer {
                    try PairVerification.sharded(
                        embeddings: $0.baseAddress!, count: n, dimension: d, identities: ids, group: group)
                }
            }
            XCTAssertTrue(reports.dropFirst().allSatisfy { $0 == nil }, "only rank 0 reports")
            let sharded = try XCTUnwrap(reports[0])
            XCTAssertEqual(sharded.auc.bitPattern, one.auc.bitPattern, "AUROC over \(size) ranks")
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

    /// Scores survive the trip between ranks.
    func testSerializedScoresRoundTrip() throws {
        let n = 300
        let d = 4
        var generator = SeededGenerator(seed: 2)
        var x = (0..<(n * d)).map { _ in generator.normal() }
        for i in 0..<n {
            let norm = (0..<d).map { x[i * d + $0] * x[i * d + $0] }.reduce(0, +).squareRoot()
            for j in 0..<d { x[i * d + j] /= norm }
        }
        let scores = try x.withUnsafeBufferPointer {
            try BucketedPairScores(
                embeddings: $0.baseAddress!, count: n, dimension: d, identities: (0..<n).map { $0 % 7 },
                tiles: BucketedPairScores.tilePairs(count: n))
        }
        let back = BucketedPairScores(serialized: scores.serialized)
        XCTAssertEqual(back.positiveCounts, scores.positiveCounts)
        XCTAssertEqual(back.negativeCounts, scores.negativeCounts)
        XCTAssertEqual(back.positiveLows, scores.positiveLows)
        XCTAssertEqual(back.negativeLows, scores.negativeLows)
        XCTAssertEqual(scores.positiveLows.count + scores.negativeLows.count, n * (n - 1) / 2)
    }
}
