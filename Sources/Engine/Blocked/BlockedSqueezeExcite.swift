/// Squeeze-excite on blocked activations: per-channel mean → 1×1 conv C→R → ReLU → 1×1 conv R→C →
/// hard-sigmoid → scale. Both small convolutions run on 8-channel vectors (the reduce weights `[R][C]`, the
/// expand weights stored transposed as `[R][C]`), so the gates cost a few thousand FMAs.
package struct BlockedSqueezeExcite: @unchecked Sendable {
    package let reduceWeight: AlignedStorage, reduceBias: [Float], expandWeight: AlignedStorage,
        expandBias: AlignedStorage
    package let blocks: Int, reduced: Int

    /// `reduceWeight` is `[reduced][channels]`, `expandWeight` `[channels][reduced]`.
    package init(
        reduceWeight: [Float], reduceBias: [Float], expandWeight: [Float], expandBias: [Float], channels: Int,
        reduced: Int
    ) {
        blocks = BlockedPlane.blocks(forChannels: channels)
        self.reduced = reduced
        let cp = blocks * 8
        self.reduceWeight = AlignedStorage(count: reduced * cp)
        self.expandWeight = AlignedStorage(count: reduced * cp)
        self.expandBias = AlignedStorage(count: cp)
        self.reduceBias = reduceBias
        for r in 0..<reduced {
            for c in 0..<channels {
                self.reduceWeight.pointer[r * cp + c] = reduceWeight[r * channels + c]
                self.expandWeight.pointer[r * cp + c] = expandWeight[c * reduced + r]
            }
        }
        for c in 0..<channels { self.expandBias.pointer[c] = expandBias[c] }
    }

    /// Floats of scratch `gates` needs: the gates themselves, then the pooled means and the reduced values.
    package var scratchFloats: Int { 2 * blocks * 8 + reduced }

    /// The gates of `x` (geometry `g`) into `scratch[0..<blocks·8]`.
    package func gates(x: UnsafePointer<Float>, _ g: BlockedPlane, scratch: UnsafeMutablePointer<Float>) {
        let cp = blocks * 8
        let pooled = scratch + cp
        let mid = scratch + 2 * cp
        let inv = V8(repeating: 1 / Float(g.pixels))
        for b in 0..<blocks {
            var s0 = V8()
            var s1 = V8()
            for yy in 0..<g.height {
                let row = x + g.offset(b, yy, 0)
                var xx = 0
                while xx + 2 <= g.width {
                    s0 += Blocked.load(row + xx * 8)
                    s1 += Blocked.load(row + xx * 8 + 8)
                    xx += 2
                }
                if xx < g.width { s0 += Blocked.load(row + xx * 8) }
            }
            Blocked.store((s0 + s1) * inv, pooled + b * 8)
        }
        // Four independent accumulator chains at a time, so the FMA latency is hidden.
        var r = 0
        while r < reduced {
            let n = min(4, reduced - r)
            let w0 = reduceWeight.pointer + r * cp
            let w1 = w0 + min(1, n - 1) * cp
            let w2 = w0 + min(2, n - 1) * cp
            let w3 = w0 + min(3, n - 1) * cp
            var a0 = V8()
            var a1 = V8()
            var a2 = V8()
            var a3 = V8()
            for b in 0..<blocks {
                let p = Blocked.load(pooled + b * 8)
                a0 = a0.addingProduct(Blocked.load(w0 + b * 8), p)
                a1 = a1.addingProduct(Blocked.load(w1 + b * 8), p)
                a2 = a2.addingProduct(Blocked.load(w2 + b * 8), p)
                a3 = a3.addingProduct(Blocked.load(w3 + b * 8), p)
            }
            mid[r] = max(a0.sum() + reduceBias[r], 0)
            if n > 1 { mid[r + 1] = max(a1.sum() + reduceBias[r + 1], 0) }
            if n > 2 { mid[r + 2] = max(a2.sum() + reduceBias[r + 2], 0) }
            if n > 3 { mid[r + 3] = max(a3.sum() + reduceBias[r + 3], 0) }
            r += n
        }
        var b = 0
        while b < blocks {
            let n = min(4, blocks - b)
            let o1 = min(1, n - 1) * 8
            let o2 = min(2, n - 1) * 8
            let o3 = min(3, n - 1) * 8
            let bias = expandBias.pointer + b * 8
            var a0 = Blocked.load(bias)
            var a1 = Blocked.load(bias + o1)
            var a2 = Blocked.load(bias + o2)
            var a3 = Blocked.load(bias + o3)
            for r in 0..<reduced {
                let m = V8(repeating: mid[r])
                let row = expandWeight.pointer + r * cp + b * 8
                a0 = a0.addingProduct(m, Blocked.load(row))
                a1 = a1.addingProduct(m, Blocked.load(row + o1))
                a2 = a2.addingProduct(m, Blocked.load(row + o2))
                a3 = a3.addingProduct(m, Blocked.load(row + o3))
            }
            let out = scratch + b * 8
            Blocked.store(Blocked.hardSigmoid(a0), out)
            if n > 1 { Blocked.store(Blocked.hardSigmoid(a1), out + 8) }
            if n > 2 { Blocked.store(Blocked.hardSigmoid(a2), out + 16) }
            if n > 3 { Blocked.store(Blocked.hardSigmoid(a3), out + 24) }
            b += n
        }
    }

    /// y = x · gate for blocks `range` (`x` geometry `g`, `y` geometry `out`, same size).
    package func scale(
        x: UnsafePointer<Float>, _ g: BlockedPlane, gates: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        out: BlockedPlane, blocks range: Range<Int>
    ) {
        for b in range {
            let gate = Blocked.load(gates + b * 8)
            for yy in 0..<g.height {
                let src = x + g.offset(b, yy, 0)
                let dst = y + out.offset(b, yy, 0)
                for xx in 0..<g.width { Blocked.store(Blocked.load(src + xx * 8) * gate, dst + xx * 8) }
            }
        }
    }
}
