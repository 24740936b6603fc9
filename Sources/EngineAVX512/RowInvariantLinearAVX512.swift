/// The batch kernel of Engine's `RowInvariantLinear` with 16-lane vectors and 32 registers: tiles of 8 rows ×
/// 2 panels of 16 outputs (16 zmm accumulators, two weight vectors; each input broadcast straight into its two
/// FMAs). Each lane is still one output's chain of fused multiply-adds over `k` in order, from zero, so every
/// output is bit-identical to the AVX2 kernel's and to a single row's.
public enum RowInvariantLinearAVX512 {
    /// Outputs per panel (one zmm register).
    static let panelWidth = 16

    /// Every one of `rows` rows of `x` (`[rows, inFeatures]`) against panels `panels` of `packed`
    /// (`[panel][inFeatures][16]`), into `y` (`[rows, outFeatures]`).
    @inline(never)
    public static func batch(
        x: UnsafePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int, packed: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>, panels: Range<Int>
    ) {
        var panel = panels.lowerBound
        while panel < panels.upperBound {
            let pair = min(2, panels.upperBound - panel)
            var row = 0
            while row < rows {
                let count = min(8, rows - row)
                tile(x, inFeatures, outFeatures, packed, y, firstRow: row, count: count, panel: panel, pair: pair)
                row += count
            }
            panel += pair
        }
    }

    /// Rows `firstRow ..< firstRow + count` (count ≤ 8; missing rows repeat the last one and are not stored)
    /// against panels `panel ..< panel + pair` (pair ≤ 2; a missing panel repeats the first and is not
    /// stored) over every input.
    @inline(__always)
    static func tile(
        _ x: UnsafePointer<Float>, _ fin: Int, _ fout: Int, _ packed: UnsafePointer<Float>,
        _ y: UnsafeMutablePointer<Float>, firstRow: Int, count: Int, panel: Int, pair: Int
    ) {
        let last = firstRow + count - 1
        let x0 = x + firstRow * fin
        let x1 = x + min(firstRow + 1, last) * fin
        let x2 = x + min(firstRow + 2, last) * fin
        let x3 = x + min(firstRow + 3, last) * fin
        let x4 = x + min(firstRow + 4, last) * fin
        let x5 = x + min(firstRow + 5, last) * fin
        let x6 = x + min(firstRow + 6, last) * fin
        let x7 = x + min(firstRow + 7, last) * fin
        // Row r, panel p at floats r · 32 + p · 16.
        var sums = (V16(), V16(), V16(), V16(), V16(), V16(), V16(), V16())
        var more = (V16(), V16(), V16(), V16(), V16(), V16(), V16(), V16())
        var (a0, b0, a1, b1, a2, b2, a3, b3) = sums
        var (a4, b4, a5, b5, a6, b6, a7, b7) = more
        let stride = fin * panelWidth
        var w = packed + panel * stride
        let second = (pair - 1) * stride
        var k = 0
        while k < fin {
            let wa = load16(w)
            let wb = load16(w + second)
            let v0 = V16(repeating: x0[k])
            a0 = a0.addingProduct(v0, wa)
            b0 = b0.addingProduct(v0, wb)
            let v1 = V16(repeating: x1[k])
            a1 = a1.addingProduct(v1, wa)
            b1 = b1.addingProduct(v1, wb)
            let v2 = V16(repeating: x2[k])
            a2 = a2.addingProduct(v2, wa)
            b2 = b2.addingProduct(v2, wb)
            let v3 = V16(repeating: x3[k])
            a3 = a3.addingProduct(v3, wa)
            b3 = b3.addingProduct(v3, wb)
            let v4 = V16(repeating: x4[k])
            a4 = a4.addingProduct(v4, wa)
            b4 = b4.addingProduct(v4, wb)
            let v5 = V16(repeating: x5[k])
            a5 = a5.addingProduct(v5, wa)
            b5 = b5.addingProduct(v5, wb)
            let v6 = V16(repeating: x6[k])
            a6 = a6.addingProduct(v6, wa)
            b6 = b6.addingProduct(v6, wb)
            let v7 = V16(repeating: x7[k])
            a7 = a7.addingProduct(v7, wa)
            b7 = b7.addingProduct(v7, wb)
            w += panelWidth
            k += 1
        }
        sums = (a0, b0, a1, b1, a2, b2, a3, b3)
        more = (a4, b4, a5, b5, a6, b6, a7, b7)
        withUnsafeBytes(of: &sums) { first in
            withUnsafeBytes(of: &more) { second in
                let low = first.baseAddress!.assumingMemoryBound(to: Float.self)
                let high = second.baseAddress!.assumingMemoryBound(to: Float.self)
                for r in 0..<count {
                    for p in 0..<pair {
                        let column = (panel + p) * panelWidth
                        let out = y + (firstRow + r) * fout + column
                        let s = r < 4 ? low + r * 32 + p * 16 : high + (r - 4) * 32 + p * 16
                        if column + panelWidth <= fout {
                            UnsafeMutableRawPointer(out).storeBytes(of: load16(s), as: V16.self)
                        } else {
                            for c in 0..<(fout - column) { out[c] = s[c] }
                        }
                    }
                }
            }
        }
    }
}
