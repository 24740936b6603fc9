/// `y[i][j] = Σₖ x[i][k] · w[j][k]` (a Linear layer without bias, weight `[out, in]`) where every output is
/// computed by the same float operations whatever the number of rows and however the work is split: one
/// 8-lane accumulator per output, fused multiply-adds over `k` in order, the lanes summed in one fixed order,
/// then the tail of `k` added in order. So a sample's embedding is bit-identical whether it runs alone or in
/// a batch of any size (the server batches concurrent requests and promises exactly that). BLAS gives no
/// such promise: its GEMV (one row) and GEMM (many) sum in different orders.
///
/// Tiles of 4 rows × 3 outputs for batches (12 independent accumulators, 7 loads per 12 FMAs: 4 × 2 was about
/// 8 % slower on the 4096 → 256 neck) and 1 × 8 for a single row (the weights stream through once); the
/// remaining rows and outputs one at a time, with the same per-output sequence. (Rearranging the weights so
/// that each block is contiguous, copying a block of the rows' inputs together, and an AVX-512 tile of 8 rows
/// × 3 outputs were each tried on Zen 4 and measured no faster, or slower: 1.14–1.35 ms per batch of 64; the
/// batch neck runs at about half the FMA peak for reasons not found.) Batches walk `k` in blocks of `kBlock`
/// (the accumulators wait in memory between blocks, which changes no operation): a block of the weights (256
/// outputs × 256 inputs: 256 KiB) stays in the core's L2 cache for all of a worker's row tiles instead of
/// streaming the whole matrix from L3 per tile.
package enum RowInvariantLinear {
    private typealias V = SIMD8<Float>

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    /// The fixed reduction every output ends with.
    @inline(__always) private static func finish(
        _ acc: V, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, from: Int, to: Int
    ) -> Float {
        let pairs = SIMD4<Float>(acc[0], acc[1], acc[2], acc[3]) + SIMD4<Float>(acc[4], acc[5], acc[6], acc[7])
        var s = (pairs[0] + pairs[2]) + (pairs[1] + pairs[3])
        var k = from
        while k < to {
            s = s.addingProduct(x[k], w[k])
            k += 1
        }
        return s
    }

    /// `rows` × `outFeatures` outputs; with `team` the outputs of one row, or a batch's row tiles, are split over
    /// both of its threads, otherwise row tiles are split over `Parallel`'s workers.
    package static func apply(
        _ x: UnsafePointer<Float>, rows n: Int, inFeatures fin: Int, outFeatures fout: Int,
        weight: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, team: SpinTeam? = nil
    ) {
        let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
        let ws = SendablePointer(UnsafeMutablePointer(mutating: weight))
        let ys = SendablePointer(y)
        if n == 1 {
            if let team {
                team.run { part in
                    let r = Blocked.share(fout, part: part, parts: 2)
                    singleRow(xs.pointer, fin, ws.pointer, ys.pointer, outputs: r)
                }
            } else {
                singleRow(x, fin, weight, y, outputs: 0..<fout)
            }
            return
        }
        let tiles = n / 4
        let large = n * fin * fout >= 1 << 20
        if let team, large {
            // Right after a batch-1 pass the team's helper is still spinning on the second core, where a
            // Dispatch worker would have to share it (batch of 64, 4096 → 256: 1.25 → 1.14 ms).
            team.run { part in
                let range = Blocked.share(tiles, part: part, parts: 2)
                blockedTiles(xs.pointer, tiles: range, fin, fout, ws.pointer, ys.pointer)
            }
        } else {
            Parallel.chunks(tiles, minimumPerWorker: large ? 1 : max(tiles, 1)) { _, range in
                blockedTiles(xs.pointer, tiles: range, fin, fout, ws.pointer, ys.pointer)
            }
        }
        // The last rows (fewer than a tile), one output at a time.
        for i in (tiles * 4)..<n {
            for j in 0..<fout { y[i * fout + j] = one(x + i * fin, weight + j * fin, fin) }
        }
    }

    /// Inputs per block of `k` in batches (a multiple of 8).
    static let kBlock = 256

    /// Row tiles `tiles` (4 rows each) against every output, `k` in blocks of `kBlock`; each (row, output)
    /// keeps its 8-lane accumulator in `partial` between blocks.
    private static func blockedTiles(
        _ x: UnsafePointer<Float>, tiles: Range<Int>, _ fin: Int, _ fout: Int, _ w: UnsafePointer<Float>,
        _ y: UnsafeMutablePointer<Float>
    ) {
        guard !tiles.isEmpty else { return }
        let body = fin & ~7
        let rowsHere = tiles.count * 4
        let partial = UnsafeMutablePointer<V>.allocate(capacity: rowsHere * fout)
        partial.initialize(repeating: V(), count: rowsHere * fout)
        defer { partial.deallocate() }
        let firstRow = tiles.lowerBound * 4
        var k0 = 0
        while k0 < body {
            let k1 = min(body, k0 + kBlock)
            for t in tiles {
                let local = (t - tiles.lowerBound) * 4
                tileBlock(
                    x + (firstRow + local) * fin + k0, fin, fout, w, partial + local * fout, from: k0, to: k1)
            }
            k0 = k1
        }
        for r in 0..<rowsHere {
            let xr = x + (firstRow + r) * fin
            for j in 0..<fout {
                y[(firstRow + r) * fout + j] = finish(partial[r * fout + j], xr, w + j * fin, from: body, to: fin)
            }
        }
    }

    /// One tile of 4 rows against every output over `k` in `from..<to`, continuing the accumulators
    /// `partial[row · fout + output]`; row r's inputs `from..<to` start at `x + r · fin`.
    @inline(__always)
    private static func tileBlock(
        _ x: UnsafePointer<Float>, _ fin: Int, _ fout: Int, _ w: UnsafePointer<Float>,
        _ partial: UnsafeMutablePointer<V>, from: Int, to: Int
    ) {
        let length = to - from
        let x0 = x
        let x1 = x0 + fin
        let x2 = x1 + fin
        let x3 = x2 + fin
        var j = 0
        while j + 3 <= fout {
            let wa = w + j * fin + from
            let wb = wa + fin
            let wc = wb + fin
            var a00 = partial[j]
            var a01 = partial[j + 1]
            var a02 = partial[j + 2]
            var a10 = partial[fout + j]
            var a11 = partial[fout + j + 1]
            var a12 = partial[fout + j + 2]
            var a20 = partial[2 * fout + j]
            var a21 = partial[2 * fout + j + 1]
            var a22 = partial[2 * fout + j + 2]
            var a30 = partial[3 * fout + j]
            var a31 = partial[3 * fout + j + 1]
            var a32 = partial[3 * fout + j + 2]
            var k = 0
            while k < length {
                let va = load(wa + k)
                let vb = load(wb + k)
                let vc = load(wc + k)
                let v0 = load(x0 + k)
                a00 = a00.addingProduct(v0, va)
                a01 = a01.addingProduct(v0, vb)
                a02 = a02.addingProduct(v0, vc)
                let v1 = load(x1 + k)
                a10 = a10.addingProduct(v1, va)
                a11 = a11.addingProduct(v1, vb)
                a12 = a12.addingProduct(v1, vc)
                let v2 = load(x2 + k)
                a20 = a20.addingProduct(v2, va)
                a21 = a21.addingProduct(v2, vb)
                a22 = a22.addingProduct(v2, vc)
                let v3 = load(x3 + k)
                a30 = a30.addingProduct(v3, va)
                a31 = a31.addingProduct(v3, vb)
                a32 = a32.addingProduct(v3, vc)
                k += 8
            }
            partial[j] = a00
            partial[j + 1] = a01
            partial[j + 2] = a02
            partial[fout + j] = a10
            partial[fout + j + 1] = a11
            partial[fout + j + 2] = a12
            partial[2 * fout + j] = a20
            partial[2 * fout + j + 1] = a21
            partial[2 * fout + j + 2] = a22
            partial[3 * fout + j] = a30
            partial[3 * fout + j + 1] = a31
            partial[3 * fout + j + 2] = a32
            j += 3
        }
        while j < fout {
            let wj = w + j * fin + from
            for r in 0..<4 {
                let xr = x + r * fin
                var acc = partial[r * fout + j]
                var k = 0
                while k < length {
                    acc = acc.addingProduct(load(xr + k), load(wj + k))
                    k += 8
                }
                partial[r * fout + j] = acc
            }
            j += 1
        }
    }

    private static func singleRow(
        _ x: UnsafePointer<Float>, _ fin: Int, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        outputs: Range<Int>
    ) {
        let body = fin & ~7
        var j = outputs.lowerBound
        while j + 8 <= outputs.upperBound {
            var a0 = V()
            var a1 = V()
            var a2 = V()
            var a3 = V()
            var a4 = V()
            var a5 = V()
            var a6 = V()
            var a7 = V()
            let w0 = w + j * fin
            var k = 0
            while k < body {
                let xv = load(x + k)
                a0 = a0.addingProduct(xv, load(w0 + k))
                a1 = a1.addingProduct(xv, load(w0 + fin + k))
                a2 = a2.addingProduct(xv, load(w0 + 2 * fin + k))
                a3 = a3.addingProduct(xv, load(w0 + 3 * fin + k))
                a4 = a4.addingProduct(xv, load(w0 + 4 * fin + k))
                a5 = a5.addingProduct(xv, load(w0 + 5 * fin + k))
                a6 = a6.addingProduct(xv, load(w0 + 6 * fin + k))
                a7 = a7.addingProduct(xv, load(w0 + 7 * fin + k))
                k += 8
            }
            y[j] = finish(a0, x, w0, from: body, to: fin)
            y[j + 1] = finish(a1, x, w0 + fin, from: body, to: fin)
            y[j + 2] = finish(a2, x, w0 + 2 * fin, from: body, to: fin)
            y[j + 3] = finish(a3, x, w0 + 3 * fin, from: body, to: fin)
            y[j + 4] = finish(a4, x, w0 + 4 * fin, from: body, to: fin)
            y[j + 5] = finish(a5, x, w0 + 5 * fin, from: body, to: fin)
            y[j + 6] = finish(a6, x, w0 + 6 * fin, from: body, to: fin)
            y[j + 7] = finish(a7, x, w0 + 7 * fin, from: body, to: fin)
            j += 8
        }
        while j < outputs.upperBound {
            y[j] = one(x, w + j * fin, fin)
            j += 1
        }
    }

    /// One output: the reference sequence every tile reproduces.
    private static func one(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ fin: Int) -> Float {
        let body = fin & ~7
        var acc = V()
        var k = 0
        while k < body {
            acc = acc.addingProduct(load(x + k), load(w + k))
            k += 8
        }
        return finish(acc, x, w, from: body, to: fin)
    }
}
