/// One 1×1 convolution on channel-blocked (NCHWc8) activations, as Engine's `BlockedPointwise` describes it,
/// handed over as plain pointers and sizes (this module imports nothing of ours).
public struct PointwiseProblem {
    /// Input: an unpadded plane of `pixels` pixels and `inBlocks` blocks of 8 channels.
    public var x: UnsafePointer<Float>, pixels: Int, inBlocks: Int
    /// Weights `[outBlocks rounded up to pairs / 2][inBlocks·8][16]` (two output blocks' eight channels per
    /// input channel, side by side) and bias `[pairs·16]`.
    public var weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, outBlocks: Int
    /// Output: the interior of a plane `outWidth` wide with a border of `outPad` pixels.
    public var y: UnsafeMutablePointer<Float>, outWidth: Int, outHeight: Int, outPad: Int
    /// Added after the activation when present (may be `y`: each output reads its own position first).
    public var residual: UnsafePointer<Float>?
    public var activation: AVX512Activation
    /// Items ordered chunk-major (a share of items is a share of pixels) or by output channels.
    public var pixelMajor: Bool

    public init(
        x: UnsafePointer<Float>, pixels: Int, inBlocks: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        outBlocks: Int, y: UnsafeMutablePointer<Float>, outWidth: Int, outHeight: Int, outPad: Int,
        residual: UnsafePointer<Float>?, activation: AVX512Activation, pixelMajor: Bool
    ) {
        self.x = x
        self.pixels = pixels
        self.inBlocks = inBlocks
        self.weights = weights
        self.bias = bias
        self.outBlocks = outBlocks
        self.y = y
        self.outWidth = outWidth
        self.outHeight = outHeight
        self.outPad = outPad
        self.residual = residual
        self.activation = activation
        self.pixelMajor = pixelMajor
    }

    var pairs: Int { (outBlocks + 1) / 2 }
    var quads: Int { (pairs + 1) / 2 }
    var rowFloats: Int { (outWidth + 2 * outPad) * 8 }
    var blockFloats: Int { (outHeight + 2 * outPad) * rowFloats }
}

/// The AVX-512 1×1 convolution. Register tile: 4 output blocks (two zmm weight vectors, each two blocks'
/// eight channels) × 12 pixels = 24 zmm accumulators; per input channel, two weight loads and twelve input
/// values broadcast, each feeding the two FMAs of its pixel. Chunks of 24 pixels; every LCNet plane has 16
/// pixels mod 24, so a chunk ends in a 4-pixel tile rather than a mostly empty 12-pixel one.
public enum PointwiseAVX512 {
    static let chunkPixels = 24

    /// Independent work items: chunks of 24 pixels × groups of four output blocks.
    @inline(never)
    public static func items(outBlocks: Int, pixels: Int) -> Int {
        (outBlocks + 3) / 4 * ((pixels + chunkPixels - 1) / chunkPixels)
    }

    @inline(never)
    public static func forward(_ problem: PointwiseProblem, items: Range<Int>) {
        let adds = problem.residual != nil
        switch (problem.activation, adds) {
        case (.hardSwish, false): run(HardSwish16.self, false, problem, items)
        case (.hardSwish, true): run(HardSwish16.self, true, problem, items)
        case (.relu6, false): run(ReLU616.self, false, problem, items)
        case (.relu6, true): run(ReLU616.self, true, problem, items)
        case (.none, false): run(Identity16.self, false, problem, items)
        case (.none, true): run(Identity16.self, true, problem, items)
        }
    }

    @inline(__always)
    static func run<A: ActivationKernel16>(_: A.Type, _ adds: Bool, _ p: PointwiseProblem, _ items: Range<Int>) {
        let quads = p.quads
        let chunks = (p.pixels + chunkPixels - 1) / chunkPixels
        withUnsafeTemporaryAllocation(of: V16.self, capacity: 24) { spill in
            let sums = spill.baseAddress!
            for item in items {
                let (chunk, quad) = p.pixelMajor ? (item / quads, item % quads) : (item % chunks, item / chunks)
                let pair0 = 2 * quad
                let pair1 = min(2 * quad + 1, p.pairs - 1)
                var first = chunk * chunkPixels
                let end = min(p.pixels, first + chunkPixels)
                while first < end {
                    let count = min(12, end - first)
                    if pair1 == pair0 {
                        tiles(A.self, OnePair.self, adds, p, first: first, count: count, pair0, pair1, sums)
                    } else {
                        tiles(A.self, TwoPairs.self, adds, p, first: first, count: count, pair0, pair1, sums)
                    }
                    first += count
                }
            }
        }
    }

    /// The 12- or 4-pixel tile for `count` pixels, stored straight from the registers when the tile is full
    /// (its pixels may run over the end of a row: each store steps over the border), else through `sums`.
    @inline(__always)
    static func tiles<A: ActivationKernel16, P: PairCount>(
        _: A.Type, _: P.Type, _ adds: Bool, _ p: PointwiseProblem, first: Int, count: Int, _ pair0: Int, _ pair1: Int,
        _ sums: UnsafeMutablePointer<V16>
    ) {
        let px = first % p.outWidth
        let at = (first / p.outWidth + p.outPad) * p.rowFloats + (px + p.outPad) * 8
        let width = count > 4 ? 12 : 4
        let direct = count == width
        if count > 4 {
            tile(
                A.self, P.self, Twelve.self, adds, p, first: first, count: count, pair0, pair1, sums,
                directAt: direct ? (at, px) : nil)
        } else {
            tile(
                A.self, P.self, Four.self, adds, p, first: first, count: count, pair0, pair1, sums,
                directAt: direct ? (at, px) : nil)
        }
        if !direct { store(A.self, adds, p, first: first, count: count, pair0, pair1, sums) }
    }

    /// Writes act(sum) [+ residual] of pixels `first..<first+count`: `sums[i]` holds pair0's two blocks for
    /// pixel i, `sums[12 + i]` pair1's.
    @inline(__always)
    static func store<A: ActivationKernel16>(
        _: A.Type, _ adds: Bool, _ p: PointwiseProblem, first: Int, count: Int, _ pair0: Int, _ pair1: Int,
        _ sums: UnsafeMutablePointer<V16>
    ) {
        let rowFloats = p.rowFloats
        let residual = p.residual ?? UnsafePointer(p.y)
        var py = first / p.outWidth
        var px = first % p.outWidth
        for i in 0..<count {
            let at = (py + p.outPad) * rowFloats + (px + p.outPad) * 8
            storePair(A.self, adds, p, sums[i], pair: pair0, at: at, residual: residual)
            if pair1 != pair0 { storePair(A.self, adds, p, sums[12 + i], pair: pair1, at: at, residual: residual) }
            px += 1
            if px == p.outWidth {
                px = 0
                py += 1
            }
        }
    }

    /// act(z) [+ residual]: its low half to block 2·pair, its high half to block 2·pair + 1 when that exists.
    @inline(__always)
    static func storePair<A: ActivationKernel16>(
        _: A.Type, _ adds: Bool, _ p: PointwiseProblem, _ sum: V16, pair: Int, at: Int, residual: UnsafePointer<Float>
    ) {
        let z = A.apply(sum)
        let low = (2 * pair) * p.blockFloats + at
        var lo = z.lowHalf
        if adds { lo += load8(residual + low) }
        store8(lo, p.y + low)
        guard 2 * pair + 1 < p.outBlocks else { return }
        let high = low + p.blockFloats
        var hi = z.highHalf
        if adds { hi += load8(residual + high) }
        store8(hi, p.y + high)
    }

    /// Act(sums) [+ residual] of pixels `first..<first+count` (count ≤ `W.pixels`; missing pixels repeat the
    /// last one): stored from `directAt` (the first pixel's offset in the plane and its column) when given,
    /// else left in `sums` (pixel i at i, pair1's at 12 + i).
    @inline(__always)
    static func tile<A: ActivationKernel16, P: PairCount, W: TileWidth>(
        _: A.Type, _: P.Type, _: W.Type, _ adds: Bool, _ p: PointwiseProblem, first: Int, count: Int, _ pair0: Int,
        _ pair1: Int,
        _ sums: UnsafeMutablePointer<V16>, directAt: (at: Int, column: Int)?
    ) {
        let last = first + count - 1
        let o0 = first * 8
        let o1 = min(first + 1, last) * 8
        let o2 = min(first + 2, last) * 8
        let o3 = min(first + 3, last) * 8
        let o4 = min(first + 4, last) * 8
        let o5 = min(first + 5, last) * 8
        let o6 = min(first + 6, last) * 8
        let o7 = min(first + 7, last) * 8
        let o8 = min(first + 8, last) * 8
        let o9 = min(first + 9, last) * 8
        let o10 = min(first + 10, last) * 8
        let o11 = min(first + 11, last) * 8
        let k = p.inBlocks * 8
        var w0 = p.weights + pair0 * k * 16
        var w1 = p.weights + pair1 * k * 16
        let c0 = load16(p.bias + pair0 * 16)
        let c1 = load16(p.bias + pair1 * 16)
        var a0 = c0
        var a1 = c0
        var a2 = c0
        var a3 = c0
        var a4 = c0
        var a5 = c0
        var a6 = c0
        var a7 = c0
        var a8 = c0
        var a9 = c0
        var a10 = c0
        var a11 = c0
        var b0 = c1
        var b1 = c1
        var b2 = c1
        var b3 = c1
        var b4 = c1
        var b5 = c1
        var b6 = c1
        var b7 = c1
        var b8 = c1
        var b9 = c1
        var b10 = c1
        var b11 = c1
        var xb = p.x
        let blockStride = p.pixels * 8
        for _ in 0..<p.inBlocks {
            for l in 0..<8 {
                let u = load16(w0)
                let v = P.two ? load16(w1) : u
                w0 += 16
                w1 += 16
                var s = V16(repeating: xb[o0 + l])
                a0 = a0.addingProduct(s, u)
                if P.two { b0 = b0.addingProduct(s, v) }
                s = V16(repeating: xb[o1 + l])
                a1 = a1.addingProduct(s, u)
                if P.two { b1 = b1.addingProduct(s, v) }
                s = V16(repeating: xb[o2 + l])
                a2 = a2.addingProduct(s, u)
                if P.two { b2 = b2.addingProduct(s, v) }
                s = V16(repeating: xb[o3 + l])
                a3 = a3.addingProduct(s, u)
                if P.two { b3 = b3.addingProduct(s, v) }
                if W.wide {
                    s = V16(repeating: xb[o4 + l])
                    a4 = a4.addingProduct(s, u)
                    if P.two { b4 = b4.addingProduct(s, v) }
                    s = V16(repeating: xb[o5 + l])
                    a5 = a5.addingProduct(s, u)
                    if P.two { b5 = b5.addingProduct(s, v) }
                    s = V16(repeating: xb[o6 + l])
                    a6 = a6.addingProduct(s, u)
                    if P.two { b6 = b6.addingProduct(s, v) }
                    s = V16(repeating: xb[o7 + l])
                    a7 = a7.addingProduct(s, u)
                    if P.two { b7 = b7.addingProduct(s, v) }
                    s = V16(repeating: xb[o8 + l])
                    a8 = a8.addingProduct(s, u)
                    if P.two { b8 = b8.addingProduct(s, v) }
                    s = V16(repeating: xb[o9 + l])
                    a9 = a9.addingProduct(s, u)
                    if P.two { b9 = b9.addingProduct(s, v) }
                    s = V16(repeating: xb[o10 + l])
                    a10 = a10.addingProduct(s, u)
                    if P.two { b10 = b10.addingProduct(s, v) }
                    s = V16(repeating: xb[o11 + l])
                    a11 = a11.addingProduct(s, u)
                    if P.two { b11 = b11.addingProduct(s, v) }
                }
            }
            xb += blockStride
        }
        if let start = directAt {
            // Pixel i's offset: one pixel on from pixel i − 1's, and over the border after a row's last pixel.
            let wrap = 2 * p.outPad * 8
            var column = start.column
            var at = start.at
            @inline(__always) func next() -> Int {
                let here = at
                column += 1
                at += 8
                if column == p.outWidth {
                    column = 0
                    at += wrap
                }
                return here
            }
            let t0 = next()
            let t1 = next()
            let t2 = next()
            let t3 = next()
            let t4 = W.wide ? next() : 0
            let t5 = W.wide ? next() : 0
            let t6 = W.wide ? next() : 0
            let t7 = W.wide ? next() : 0
            let t8 = W.wide ? next() : 0
            let t9 = W.wide ? next() : 0
            let t10 = W.wide ? next() : 0
            let t11 = W.wide ? next() : 0
            let residual = p.residual ?? UnsafePointer(p.y)
            storePair(A.self, adds, p, a0, pair: pair0, at: t0, residual: residual)
            storePair(A.self, adds, p, a1, pair: pair0, at: t1, residual: residual)
            storePair(A.self, adds, p, a2, pair: pair0, at: t2, residual: residual)
            storePair(A.self, adds, p, a3, pair: pair0, at: t3, residual: residual)
            if W.wide {
                storePair(A.self, adds, p, a4, pair: pair0, at: t4, residual: residual)
                storePair(A.self, adds, p, a5, pair: pair0, at: t5, residual: residual)
                storePair(A.self, adds, p, a6, pair: pair0, at: t6, residual: residual)
                storePair(A.self, adds, p, a7, pair: pair0, at: t7, residual: residual)
                storePair(A.self, adds, p, a8, pair: pair0, at: t8, residual: residual)
                storePair(A.self, adds, p, a9, pair: pair0, at: t9, residual: residual)
                storePair(A.self, adds, p, a10, pair: pair0, at: t10, residual: residual)
                storePair(A.self, adds, p, a11, pair: pair0, at: t11, residual: residual)
            }
            if P.two {
                storePair(A.self, adds, p, b0, pair: pair1, at: t0, residual: residual)
                storePair(A.self, adds, p, b1, pair: pair1, at: t1, residual: residual)
                storePair(A.self, adds, p, b2, pair: pair1, at: t2, residual: residual)
                storePair(A.self, adds, p, b3, pair: pair1, at: t3, residual: residual)
                if W.wide {
                    storePair(A.self, adds, p, b4, pair: pair1, at: t4, residual: residual)
                    storePair(A.self, adds, p, b5, pair: pair1, at: t5, residual: residual)
                    storePair(A.self, adds, p, b6, pair: pair1, at: t6, residual: residual)
                    storePair(A.self, adds, p, b7, pair: pair1, at: t7, residual: residual)
                    storePair(A.self, adds, p, b8, pair: pair1, at: t8, residual: residual)
                    storePair(A.self, adds, p, b9, pair: pair1, at: t9, residual: residual)
                    storePair(A.self, adds, p, b10, pair: pair1, at: t10, residual: residual)
                    storePair(A.self, adds, p, b11, pair: pair1, at: t11, residual: residual)
                }
            }
            return
        }
        sums[0] = a0
        sums[1] = a1
        sums[2] = a2
        sums[3] = a3
        if W.wide {
            sums[4] = a4
            sums[5] = a5
            sums[6] = a6
            sums[7] = a7
            sums[8] = a8
            sums[9] = a9
            sums[10] = a10
            sums[11] = a11
        }
        sums[12] = b0
        sums[13] = b1
        sums[14] = b2
        sums[15] = b3
        if W.wide {
            sums[16] = b4
            sums[17] = b5
            sums[18] = b6
            sums[19] = b7
            sums[20] = b8
            sums[21] = b9
            sums[22] = b10
            sums[23] = b11
        }
    }

}

/// Whether a tile computes two pairs of output blocks or one (the odd last pair, or a layer of at most two
/// blocks), as a type so that the one-pair copy carries no second set of FMAs.
protocol PairCount { static var two: Bool { get } }
enum OnePair: PairCount { static var two: Bool { false } }
enum TwoPairs: PairCount { static var two: Bool { true } }

/// A tile's pixel count, as a type: the 4-pixel copy carries no code for pixels 4–11.
protocol TileWidth { static var wide: Bool { get } }
enum Twelve: TileWidth { static var wide: Bool { true } }
enum Four: TileWidth { static var wide: Bool { false } }
