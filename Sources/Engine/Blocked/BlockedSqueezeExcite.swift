/// Squeeze-excite on blocked activations: per-channel mean → 1×1 conv C→R → ReLU → 1×1 conv R→C →
/// hard-sigmoid → scale. Both small convolutions run on 8-channel vectors (the reduce weights `[R][C]`, the
/// expand weights stored transposed as `[R][C]`), so the gates cost a few thousand FMAs.
package struct BlockedSqueezeExcite: @unchecked Sendable {
    package let reduceWeight: AlignedStorage, reduceBias: [Float], expandWeight: AlignedStorage, expandBias: AlignedStorage
    package let blocks: Int, reduced: Int

    /// `reduceWeight` is `[reduced][channels]`, `expandWeight` `[channels][reduced]`.
    package init(reduceWeight: [Float], reduceBias: [Float], expandWeight: [Float], expandBias: [Float], channels: Int, reduced: Int) {
        blocks = BlockedPlane.blocks(forChannels: channels); self.reduced = reduced
        let cp = blocks * 8
        self.reduceWeight = AlignedStorage(count: reduced * cp); self.expandWeight = AlignedStorage(count: reduced * cp)
        self.expandBias = AlignedStorage(count: cp); self.reduceBias = reduceBias
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
        let cp = blocks * 8, pooled = scratch + cp, mid = scratch + 2 * cp
        let inv = V8(repeating: 1 / Float(g.pixels))
        for b in 0..<blocks {
            var s0 = V8(), s1 = V8()
            for yy in 0..<g.height {
                let row = x + g.offset(b, yy, 0)
                var xx = 0
                while xx + 2 <= g.width { s0 += Blocked.load(row + xx * 8); s1 += Blocked.load(row + xx * 8 + 8); xx += 2 }
                if xx < g.width { s0 += Blocked.load(row + xx * 8) }
            }
            Blocked.store((s0 + s1) * inv, pooled + b * 8)
        }
        for r in 0..<reduced {
            var acc = V8()
            let wr = reduceWeight.pointer + r * cp
            for b in 0..<blocks { acc = acc.addingProduct(Blocked.load(wr + b * 8), Blocked.load(pooled + b * 8)) }
            mid[r] = max(acc.sum() + reduceBias[r], 0)
        }
        for b in 0..<blocks {
            var acc = Blocked.load(expandBias.pointer + b * 8)
            for r in 0..<reduced { acc = acc.addingProduct(V8(repeating: mid[r]), Blocked.load(expandWeight.pointer + r * cp + b * 8)) }
            Blocked.store(Blocked.hardSigmoid(acc), scratch + b * 8)
        }
    }

    /// y = x · gate for blocks `range` (`x` geometry `g`, `y` geometry `out`, same size).
    package func scale(x: UnsafePointer<Float>, _ g: BlockedPlane, gates: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                       out: BlockedPlane, blocks range: Range<Int>) {
        for b in range {
            let gate = Blocked.load(gates + b * 8)
            for yy in 0..<g.height {
                let src = x + g.offset(b, yy, 0), dst = y + out.offset(b, yy, 0)
                for xx in 0..<g.width { Blocked.store(Blocked.load(src + xx * 8) * gate, dst + xx * 8) }
            }
        }
    }
}
