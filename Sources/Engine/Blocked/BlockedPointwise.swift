/// A 1×1 convolution's folded weights packed for `BlockedPointwise`: `[outBlocks][inBlocks·8][8]`, so the
/// eight output channels of a block for one input channel are one vector; missing channels are zero.
package struct BlockedPointwiseWeights: @unchecked Sendable {
    package let weights: AlignedStorage, bias: AlignedStorage
    package let inBlocks: Int, outBlocks: Int

    /// `weight` is `[outChannels][inChannels]` (row-major), `bias` has `outChannels` values.
    package init(weight: UnsafePointer<Float>, bias: [Float], outChannels: Int, inChannels: Int) {
        inBlocks = BlockedPlane.blocks(forChannels: inChannels)
        outBlocks = BlockedPlane.blocks(forChannels: outChannels)
        (weights, self.bias) = Blocked.packWeights(
            weight, bias: bias, channels: outChannels, per: inChannels, paddedPer: inBlocks * 8)
    }
}

/// y = hard-swish(W·x + b) for a 1×1 convolution on blocked activations. The register tile is 2 output
/// blocks × 6 pixels (12 accumulators): per input channel two weight vectors are loaded and six input values
/// broadcast, feeding 12 FMAs, and bias and hard-swish are applied before the single store of each output.
package enum BlockedPointwise {
    static let tilePixels = 6, chunkPixels = 24

    /// Independent work items: chunks of 24 pixels × pairs of output blocks. `forward` orders them
    /// chunk-major (`pixelMajor`: a contiguous share of the items is a share of the pixels, so each core reads
    /// and writes mostly rows that stay in its own cache from one layer to the next) or pair-major (a share is
    /// a share of the output channels, so each core reads only its part of the weights).
    package static func items(_ w: BlockedPointwiseWeights, pixels: Int) -> Int {
        (w.outBlocks + 1) / 2 * ((pixels + chunkPixels - 1) / chunkPixels)
    }

    /// Items `items` of the convolution of `x` (an unpadded plane of `pixels` pixels, `w.inBlocks` blocks)
    /// into the interior of `y` (geometry `out`, `pixels` = out.height·out.width).
    package static func forward(
        x: UnsafePointer<Float>, pixels: Int, _ w: BlockedPointwiseWeights,
        y: UnsafeMutablePointer<Float>, out: BlockedPlane, pixelMajor: Bool = true, items: Range<Int>
    ) {
        let pairs = (w.outBlocks + 1) / 2
        let chunks = (pixels + chunkPixels - 1) / chunkPixels
        for item in items {
            let (chunk, pair) = pixelMajor ? (item / pairs, item % pairs) : (item % chunks, item / chunks)
            let b0 = 2 * pair
            let b1 = min(2 * pair + 1, w.outBlocks - 1)
            var p = chunk * chunkPixels
            var py = p / out.width
            var px = p % out.width
            let end = min(pixels, p + chunkPixels)
            while p < end {
                tile(
                    x: x, pixels: pixels, first: p, count: min(tilePixels, end - p), py: py, px: px, w, b0, b1, y: y,
                    out: out)
                p += tilePixels
                px += tilePixels
                while px >= out.width {
                    px -= out.width
                    py += 1
                }
            }
        }
    }

    /// Output blocks `b0` and `b1` (equal when the block count is odd) for pixels `first..<first+count`
    /// (count ≤ 6; missing pixels repeat the last one and are not stored); pixel `first` is at (py, px).
    @inline(__always)
    static func tile(
        x: UnsafePointer<Float>, pixels: Int, first: Int, count: Int, py: Int, px: Int, _ w: BlockedPointwiseWeights,
        _ b0: Int, _ b1: Int, y: UnsafeMutablePointer<Float>, out: BlockedPlane
    ) {
        let last = first + count - 1
        let o0 = first * 8
        let o1 = min(first + 1, last) * 8
        let o2 = min(first + 2, last) * 8
        let o3 = min(first + 3, last) * 8
        let o4 = min(first + 4, last) * 8
        let o5 = min(first + 5, last) * 8
        let k = w.inBlocks * 8
        var w0 = UnsafePointer(w.weights.pointer + b0 * k * 8)
        var w1 = UnsafePointer(w.weights.pointer + b1 * k * 8)
        // The accumulators start at the bias.
        let c0 = Blocked.load(w.bias.pointer + b0 * 8)
        let c1 = Blocked.load(w.bias.pointer + b1 * 8)
        var a00 = c0
        var a01 = c0
        var a02 = c0
        var a03 = c0
        var a04 = c0
        var a05 = c0
        var a10 = c1
        var a11 = c1
        var a12 = c1
        var a13 = c1
        var a14 = c1
        var a15 = c1
        var xb = x
        let blockStride = pixels * 8
        for _ in 0..<w.inBlocks {
            for l in 0..<8 {
                let u0 = Blocked.load(w0)
                let u1 = Blocked.load(w1)
                w0 += 8
                w1 += 8
                var v = V8(repeating: xb[o0 + l])
                a00 = a00.addingProduct(v, u0)
                a10 = a10.addingProduct(v, u1)
                v = V8(repeating: xb[o1 + l])
                a01 = a01.addingProduct(v, u0)
                a11 = a11.addingProduct(v, u1)
                v = V8(repeating: xb[o2 + l])
                a02 = a02.addingProduct(v, u0)
                a12 = a12.addingProduct(v, u1)
                v = V8(repeating: xb[o3 + l])
                a03 = a03.addingProduct(v, u0)
                a13 = a13.addingProduct(v, u1)
                v = V8(repeating: xb[o4 + l])
                a04 = a04.addingProduct(v, u0)
                a14 = a14.addingProduct(v, u1)
                v = V8(repeating: xb[o5 + l])
                a05 = a05.addingProduct(v, u0)
                a15 = a15.addingProduct(v, u1)
            }
            xb += blockStride
        }
        let d0 = y + b0 * out.blockFloats
        let d1 = y + b1 * out.blockFloats
        if count == tilePixels && b1 != b0 && (out.pad == 0 || px + tilePixels <= out.width) {
            // A full tile whose six pixels are consecutive in the output.
            let at = (py + out.pad) * out.rowFloats + (px + out.pad) * 8
            Blocked.store(Blocked.hardSwish(a00), d0 + at)
            Blocked.store(Blocked.hardSwish(a10), d1 + at)
            Blocked.store(Blocked.hardSwish(a01), d0 + at + 8)
            Blocked.store(Blocked.hardSwish(a11), d1 + at + 8)
            Blocked.store(Blocked.hardSwish(a02), d0 + at + 16)
            Blocked.store(Blocked.hardSwish(a12), d1 + at + 16)
            Blocked.store(Blocked.hardSwish(a03), d0 + at + 24)
            Blocked.store(Blocked.hardSwish(a13), d1 + at + 24)
            Blocked.store(Blocked.hardSwish(a04), d0 + at + 32)
            Blocked.store(Blocked.hardSwish(a14), d1 + at + 32)
            Blocked.store(Blocked.hardSwish(a05), d0 + at + 40)
            Blocked.store(Blocked.hardSwish(a15), d1 + at + 40)
            return
        }
        var py = py
        var px = px
        for i in 0..<count {
            let at = (py + out.pad) * out.rowFloats + (px + out.pad) * 8
            let s0: V8
            let s1: V8
            switch i {
            case 0:
                s0 = a00
                s1 = a10
            case 1:
                s0 = a01
                s1 = a11
            case 2:
                s0 = a02
                s1 = a12
            case 3:
                s0 = a03
                s1 = a13
            case 4:
                s0 = a04
                s1 = a14
            default:
                s0 = a05
                s1 = a15
            }
            Blocked.store(Blocked.hardSwish(s0), d0 + at)
            if b1 != b0 { Blocked.store(Blocked.hardSwish(s1), d1 + at) }
            px += 1
            if px == out.width {
                px = 0
                py += 1
            }
        }
    }
}
