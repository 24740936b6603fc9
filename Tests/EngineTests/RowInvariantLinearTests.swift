import Engine
import TestSupport
import XCTest

/// The embedding neck's Linear: right (against a double-precision sum), exactly the documented float chain, and
/// the same bits for a row whatever the batch around it, the tile it falls in, the kernel set or the split over
/// threads.
final class RowInvariantLinearTests: XCTestCase {
    func run(
        _ x: [Float], rows: Int, fin: Int, fout: Int, _ w: [Float], team: SpinTeam? = nil, kernels: KernelSet = .avx2
    ) -> [Float] {
        var y = [Float](repeating: .nan, count: rows * fout)
        let linear = w.withUnsafeBufferPointer {
            RowInvariantLinear(weight: $0.baseAddress!, inFeatures: fin, outFeatures: fout, kernels: kernels)
        }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                linear.apply(xp.baseAddress!, rows: rows, into: yp.baseAddress!, team: team)
            }
        }
        return y
    }

    func testEveryRowIsTheSameAloneAndInAnyBatchAndMatchesADoubleSum() {
        var rng = SeededGenerator(seed: 7)
        let team = SpinTeam()
        // 4096 → 256 is the shipped neck; the odd sizes exercise every tail: outputs short of a panel of 16 (7,
        // 11, 3, 9, 21, 37), panels short of a group of 4 for a single row or a pair for AVX-512 (21 → 2 panels,
        // 37 → 3), a long input (5000), rows short of a tile of 6 or 8 (29 = 4 × 6 + 5 =
        // 3 × 8 + 5).
        for (fin, fout) in [(4096, 256), (600, 7), (37, 11), (8, 3), (5, 9), (1100, 21), (5000, 37)] {
            let rows = 29
            let x = (0..<rows * fin).map { _ in Float.random(in: -1...1, using: &rng) }
            let w = (0..<fout * fin).map { _ in Float.random(in: -1...1, using: &rng) }
            let batch = run(x, rows: rows, fin: fin, fout: fout, w)
            // Every kernel set this machine runs, alone or on a team, gives the AVX2 kernel's bits.
            for kernels in KernelSet.supported {
                let alone = run(x, rows: rows, fin: fin, fout: fout, w, kernels: kernels)
                let teamBatch = run(x, rows: rows, fin: fin, fout: fout, w, team: team, kernels: kernels)
                XCTAssertEqual(alone.map(\.bitPattern), batch.map(\.bitPattern), "\(fin)→\(fout) batch, \(kernels)")
                XCTAssertEqual(
                    teamBatch.map(\.bitPattern), batch.map(\.bitPattern), "\(fin)→\(fout) batch on a team, \(kernels)")
            }
            for i in 0..<rows {
                let row = Array(x[i * fin..<(i + 1) * fin])
                let alone = run(row, rows: 1, fin: fin, fout: fout, w)
                let split = run(row, rows: 1, fin: fin, fout: fout, w, team: team)
                let inBatch = Array(batch[i * fout..<(i + 1) * fout])
                XCTAssertEqual(alone.map(\.bitPattern), inBatch.map(\.bitPattern), "\(fin)→\(fout) row \(i)")
                XCTAssertEqual(split.map(\.bitPattern), inBatch.map(\.bitPattern), "\(fin)→\(fout) row \(i), 2 threads")
                for j in 0..<fout {
                    // The documented sequence: one float chain of fused multiply-adds over k in order.
                    var chain: Float = 0
                    for k in 0..<fin { chain = chain.addingProduct(row[k], w[j * fin + k]) }
                    XCTAssertEqual(inBatch[j].bitPattern, chain.bitPattern, "\(fin)→\(fout) row \(i) output \(j)")
                    var s = 0.0
                    for k in 0..<fin { s += Double(row[k]) * Double(w[j * fin + k]) }
                    XCTAssertEqual(Double(inBatch[j]), s, accuracy: 1e-5 * Double(fin).squareRoot() + 1e-6)
                }
            }
            // A batch of 5 (one short tile) gives its rows the same bits as the batch of 29 (4 tiles and a short one).
            let five = run(Array(x[0..<5 * fin]), rows: 5, fin: fin, fout: fout, w)
            XCTAssertEqual(five.map(\.bitPattern), batch[0..<5 * fout].map(\.bitPattern))
        }
    }
}
