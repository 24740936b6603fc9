import Engine
import TestSupport
import XCTest

/// The embedding neck's Linear: right (against a double-precision sum) and the same bits for a row whatever
/// the batch around it, the tile it falls in, or the split over threads.
final class RowInvariantLinearTests: XCTestCase {
    func run(_ x: [Float], rows: Int, fin: Int, fout: Int, _ w: [Float], team: SpinTeam? = nil) -> [Float] {
        var y = [Float](repeating: .nan, count: rows * fout)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    RowInvariantLinear.apply(
                        xp.baseAddress!, rows: rows, inFeatures: fin, outFeatures: fout, weight: wp.baseAddress!,
                        into: yp.baseAddress!, team: team)
                }
            }
        }
        return y
    }

    func testEveryRowIsTheSameAloneAndInAnyBatchAndMatchesADoubleSum() {
        var rng = SeededGenerator(seed: 7)
        let team = SpinTeam()
        // 4096 → 256 is the shipped neck; the odd sizes exercise every tail (k % 8, outputs % 8 and % 3, rows % 4).
        // 600 → 7: k-blocks of 256, 256 and 88, and an output beside the triples.
        for (fin, fout) in [(4096, 256), (600, 7), (37, 11), (8, 3), (5, 9)] {
            let rows = 29
            let x = (0..<rows * fin).map { _ in Float.random(in: -1...1, using: &rng) }
            let w = (0..<fout * fin).map { _ in Float.random(in: -1...1, using: &rng) }
            let batch = run(x, rows: rows, fin: fin, fout: fout, w)
            let teamBatch = run(x, rows: rows, fin: fin, fout: fout, w, team: team)
            XCTAssertEqual(teamBatch.map(\.bitPattern), batch.map(\.bitPattern), "\(fin)→\(fout) batch on a team")
            for i in 0..<rows {
                let row = Array(x[i * fin..<(i + 1) * fin])
                let alone = run(row, rows: 1, fin: fin, fout: fout, w)
                let split = run(row, rows: 1, fin: fin, fout: fout, w, team: team)
                let inBatch = Array(batch[i * fout..<(i + 1) * fout])
                XCTAssertEqual(alone.map(\.bitPattern), inBatch.map(\.bitPattern), "\(fin)→\(fout) row \(i)")
                XCTAssertEqual(split.map(\.bitPattern), inBatch.map(\.bitPattern), "\(fin)→\(fout) row \(i), 2 threads")
                for j in 0..<fout {
                    var s = 0.0
                    for k in 0..<fin { s += Double(row[k]) * Double(w[j * fin + k]) }
                    XCTAssertEqual(Double(inBatch[j]), s, accuracy: 1e-5 * Double(fin).squareRoot() + 1e-6)
                }
            }
            // A batch of 5 (one tile of 4 and a lone row) gives its rows the same bits as the batch of 29 (7 tiles and a lone row).
            let five = run(Array(x[0..<5 * fin]), rows: 5, fin: fin, fout: fout, w)
            XCTAssertEqual(five.map(\.bitPattern), batch[0..<5 * fout].map(\.bitPattern))
        }
    }
}
