import EngineAVX512

/// `y[i][j] = Σₖ x[i][k] · w[j][k]` (a Linear layer without bias, weight `[out, in]`) where every output is
/// computed by the same float operations whatever the number of rows, the kernel set and however the work is
/// split: each output is one float accumulator, starting at zero, that takes one fused multiply-add per input
/// in order `k = 0, 1, …`. So a sample's embedding is bit-identical whether it runs alone or in a batch of any
/// size (the server batches concurrent requests and promises exactly that). BLAS gives no such promise: its
/// GEMV (one row) and GEMM (many) sum in different orders.
///
/// The weights are packed once into panels of 16 outputs, `[panel][k][16]` (outputs past `outFeatures` are
/// zero), so that a vector of 16 outputs' weights for one input is one contiguous load and each lane of a
/// vector accumulator is one output's chain: no reduction afterwards, and the chain does not depend on the
/// vector width, so the AVX2 and AVX-512 kernels give the same bits. Batches run register tiles of 6 rows × 16
/// outputs with AVX2 (12 accumulators, two weight vectors and a broadcast: 15 of its 16 registers) and 8 rows ×
/// 32 outputs with AVX-512 (`RowInvariantLinearAVX512`); a single row runs 4 panels at a time (the weights
/// stream through once). On the 2-core Zen 4 EPYC, the 4096 → 256 neck on a batch of 64 (alternating runs,
/// medians of the benchmark's split): one core 2.0–2.1 ms with the previous kernel (8-lane dot products over `k`,
/// reduced at the end), 1.55–1.7 ms with this AVX2 tile, 1.44–1.49 ms with the AVX-512 tile (80 % of the FMA
/// peak); both cores 1.04–1.06 → 0.76 ms. Each tile runs over all inputs in one pass: walking them in blocks of
/// 256–1024 (so that a block of every row's inputs stays in L2) measured no faster on that machine.
package struct RowInvariantLinear: @unchecked Sendable {
    private typealias V = SIMD8<Float>

    /// Outputs per panel.
    static let panelWidth = 16
    /// Rows per batch tile.
    static let tileRows = 6

    package let inFeatures: Int
    package let outFeatures: Int
    /// The set whose batch kernel runs (both give the same bits; see `RowInvariantLinearAVX512`).
    package let kernels: KernelSet
    private let packed: AlignedStorage
    private var panels: Int { (outFeatures + Self.panelWidth - 1) / Self.panelWidth }

    /// Packs `weight` (`[outFeatures, inFeatures]`, row-major) into panels for `kernels`.
    package init(
        weight: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int, kernels: KernelSet = KernelSet.active
    ) {
        precondition(inFeatures > 0 && outFeatures > 0, "RowInvariantLinear needs at least one input and output")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.kernels = kernels
        let panels = (outFeatures + Self.panelWidth - 1) / Self.panelWidth
        packed = AlignedStorage(count: panels * inFeatures * Self.panelWidth)
        for j in 0..<outFeatures {
            let panel = packed.pointer + (j / Self.panelWidth) * inFeatures * Self.panelWidth + j % Self.panelWidth
            for k in 0..<inFeatures { panel[k * Self.panelWidth] = weight[j * inFeatures + k] }
        }
    }

    /// `rows` × `outFeatures` outputs into `y` (`[rows, outFeatures]`); with `team` the panels of one row, or of
    /// a batch, are split over both of its threads, otherwise a batch's panels are split over `Parallel`'s
    /// workers.
    package func apply(
        _ x: UnsafePointer<Float>, rows n: Int, into y: UnsafeMutablePointer<Float>, team: SpinTeam? = nil
    ) {
        let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
        let ys = SendablePointer(y)
        if n == 1 {
            if let team {
                team.run { part in
                    self.singleRow(xs.pointer, ys.pointer, panels: Blocked.share(self.panels, part: part, parts: 2))
                }
            } else {
                singleRow(x, y, panels: 0..<panels)
            }
            return
        }
        let large = n * inFeatures * outFeatures >= 1 << 20
        if let team, large {
            // Right after a batch-1 pass the team's helper is still spinning on the second core, where a
            // Dispatch worker would have to share it.
            team.run { part in
                self.batch(xs.pointer, rows: n, ys.pointer, panels: Blocked.share(self.panels, part: part, parts: 2))
            }
        } else {
            Parallel.chunks(panels, minimumPerWorker: large ? 1 : panels) { _, range in
                self.batch(xs.pointer, rows: n, ys.pointer, panels: range)
            }
        }
    }

    /// Every row against `panels`.
    private func batch(_ x: UnsafePointer<Float>, rows n: Int, _ y: UnsafeMutablePointer<Float>, panels: Range<Int>) {
        if kernels == .avx512 {
            RowInvariantLinearAVX512.batch(
                x: x, rows: n, inFeatures: inFeatures, outFeatures: outFeatures, packed: packed.pointer, y: y,
                panels: panels)
            return
        }
        for panel in panels {
            var row = 0
            while row < n {
                let count = min(Self.tileRows, n - row)
                tile(x, firstRow: row, count: count, y, panel: panel)
                row += count
            }
        }
    }

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    /// Rows `firstRow ..< firstRow + count` (count ≤ 6; missing rows repeat the last one and are not stored)
    /// against one panel over every input. Twelve
    /// accumulators, two weight vectors and a broadcast fill 15 of AVX2's 16 registers.
    @inline(__always)
    private func tile(
        _ x: UnsafePointer<Float>, firstRow: Int, count: Int, _ y: UnsafeMutablePointer<Float>, panel: Int
    ) {
        let fin = inFeatures
        let last = firstRow + count - 1
        let x0 = x + firstRow * fin
        let x1 = x + min(firstRow + 1, last) * fin
        let x2 = x + min(firstRow + 2, last) * fin
        let x3 = x + min(firstRow + 3, last) * fin
        let x4 = x + min(firstRow + 4, last) * fin
        let x5 = x + min(firstRow + 5, last) * fin
        let column = panel * Self.panelWidth
        let width = min(Self.panelWidth, outFeatures - column)
        // Row r's sums at floats r · 16.
        var sums = (V(), V(), V(), V(), V(), V(), V(), V(), V(), V(), V(), V())
        var (a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5) = sums
        var w = UnsafePointer(packed.pointer) + panel * fin * Self.panelWidth
        var k = 0
        while k < fin {
            let wa = Self.load(w)
            let wb = Self.load(w + 8)
            let v0 = V(repeating: x0[k])
            a0 = a0.addingProduct(v0, wa)
            b0 = b0.addingProduct(v0, wb)
            let v1 = V(repeating: x1[k])
            a1 = a1.addingProduct(v1, wa)
            b1 = b1.addingProduct(v1, wb)
            let v2 = V(repeating: x2[k])
            a2 = a2.addingProduct(v2, wa)
            b2 = b2.addingProduct(v2, wb)
            let v3 = V(repeating: x3[k])
            a3 = a3.addingProduct(v3, wa)
            b3 = b3.addingProduct(v3, wb)
            let v4 = V(repeating: x4[k])
            a4 = a4.addingProduct(v4, wa)
            b4 = b4.addingProduct(v4, wb)
            let v5 = V(repeating: x5[k])
            a5 = a5.addingProduct(v5, wa)
            b5 = b5.addingProduct(v5, wb)
            w += Self.panelWidth
            k += 1
        }
        sums = (a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5)
        withUnsafeBytes(of: &sums) { raw in
            let s = raw.baseAddress!.assumingMemoryBound(to: Float.self)
            for r in 0..<count {
                let out = y + (firstRow + r) * outFeatures + column
                if width == Self.panelWidth {
                    UnsafeMutableRawPointer(out).storeBytes(of: Self.load(s + r * 16), as: V.self)
                    UnsafeMutableRawPointer(out + 8).storeBytes(of: Self.load(s + r * 16 + 8), as: V.self)
                } else {
                    for c in 0..<width { out[c] = s[r * 16 + c] }
                }
            }
        }
    }

    /// One row against `panels`, four panels at a time (the same chain per output as `tile`).
    private func singleRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, panels: Range<Int>) {
        let fin = inFeatures
        let stride = fin * Self.panelWidth
        var panel = panels.lowerBound
        while panel < panels.upperBound {
            let group = min(4, panels.upperBound - panel)
            // Missing panels of a short group repeat the last one and are not stored.
            let w0 = UnsafePointer(packed.pointer) + panel * stride
            let w1 = w0 + min(1, group - 1) * stride
            let w2 = w0 + min(2, group - 1) * stride
            let w3 = w0 + min(3, group - 1) * stride
            var sums = (V(), V(), V(), V(), V(), V(), V(), V())
            var (a0, b0, a1, b1, a2, b2, a3, b3) = sums
            var k = 0
            while k < fin {
                let v = V(repeating: x[k])
                let o = k * Self.panelWidth
                a0 = a0.addingProduct(v, Self.load(w0 + o))
                b0 = b0.addingProduct(v, Self.load(w0 + o + 8))
                a1 = a1.addingProduct(v, Self.load(w1 + o))
                b1 = b1.addingProduct(v, Self.load(w1 + o + 8))
                a2 = a2.addingProduct(v, Self.load(w2 + o))
                b2 = b2.addingProduct(v, Self.load(w2 + o + 8))
                a3 = a3.addingProduct(v, Self.load(w3 + o))
                b3 = b3.addingProduct(v, Self.load(w3 + o + 8))
                k += 1
            }
            sums = (a0, b0, a1, b1, a2, b2, a3, b3)
            withUnsafeBytes(of: &sums) { raw in
                let s = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                for g in 0..<group {
                    let column = (panel + g) * Self.panelWidth
                    for c in 0..<min(Self.panelWidth, outFeatures - column) { y[column + c] = s[g * 16 + c] }
                }
            }
            panel += group
        }
    }
}
