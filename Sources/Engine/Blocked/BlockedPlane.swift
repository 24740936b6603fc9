/// Eight float lanes: one pixel of one channel block in the blocked layout.
package typealias V8 = SIMD8<Float>

/// Geometry of channel-blocked activations (NCHWc8), the inference engine's layout: channels in blocks of
/// 8, each block a plane of pixels whose 8 channel values are one `V8`. Depthwise and pointwise kernels then
/// vectorise over channels, so no plane width is too narrow for SIMD and a 1×1 convolution broadcasts one
/// input value against a whole weight vector. A plane may carry a zero border of `pad` pixels so that the
/// depthwise convolution reading it needs no bounds checks; producers write only the interior.
package struct BlockedPlane: Sendable, Equatable {
    package var blocks: Int, height: Int, width: Int, pad: Int

    package init(blocks: Int, height: Int, width: Int, pad: Int = 0) {
        self.blocks = blocks
        self.height = height
        self.width = width
        self.pad = pad
    }

    /// Channels rounded up to whole blocks.
    package static func blocks(forChannels c: Int) -> Int { (c + 7) / 8 }
    package var rowFloats: Int { (width + 2 * pad) * 8 }
    package var blockFloats: Int { (height + 2 * pad) * rowFloats }
    package var floats: Int { blocks * blockFloats }
    package var pixels: Int { height * width }

    /// Float offset of interior pixel (y, x) of `block`.
    @inline(__always) package func offset(_ block: Int, _ y: Int, _ x: Int) -> Int {
        block * blockFloats + (y + pad) * rowFloats + (x + pad) * 8
    }

    /// Zeroes the border of blocks `range` (the interior is left alone).
    package func zeroBorder(_ p: UnsafeMutablePointer<Float>, blocks range: Range<Int>) {
        guard pad > 0 else { return }
        let rf = rowFloats
        let side = pad * 8
        for b in range {
            let base = p + b * blockFloats
            base.update(repeating: 0, count: pad * rf)
            (base + (pad + height) * rf).update(repeating: 0, count: pad * rf)
            for y in pad..<(pad + height) {
                (base + y * rf).update(repeating: 0, count: side)
                (base + y * rf + rf - side).update(repeating: 0, count: side)
            }
        }
    }
}

/// Small helpers shared by the blocked kernels.
package enum Blocked {
    @inline(__always) package static func load(_ p: UnsafePointer<Float>) -> V8 {
        UnsafeRawPointer(p).loadUnaligned(as: V8.self)
    }
    @inline(__always) package static func store(_ v: V8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self)
    }
    /// clamp(x, lo, hi), written with masks on its own result so that it compiles to `vmaxps`/`vminps`: the
    /// standard library's `pointwiseMin`/`pointwiseMax` on `SIMD8` are not inlined and become calls.
    @inline(__always) package static func clamp(_ t: V8, _ lo: Float, _ hi: Float) -> V8 {
        let u = t.replacing(with: lo, where: t .< lo)
        return u.replacing(with: hi, where: u .> hi)
    }
    /// hard-swish x · clamp(x + 3, 0, 6) / 6, computed as x · clamp(x/6 + 1/2, 0, 1) (one FMA fewer).
    @inline(__always) package static func hardSwish(_ z: V8) -> V8 {
        z * clamp(V8(repeating: 0.5).addingProduct(z, V8(repeating: 1 / 6)), 0, 1)
    }
    /// hard-sigmoid clamp(x + 3, 0, 6) / 6
    @inline(__always) package static func hardSigmoid(_ z: V8) -> V8 { clamp(z + 3, 0, 6) * (1 / 6) }

    /// The contiguous share `part` of `parts` of `0..<count`.
    @inline(__always) package static func share(_ count: Int, part: Int, parts: Int) -> Range<Int> {
        (count * part / parts)..<(count * (part + 1) / parts)
    }

    /// Packs per-output-channel weight rows `weight[channels][per]` as `[channels/8][paddedPer][8]` (the eight
    /// channels of a block interleaved, rows zero-padded to `paddedPer`, missing channels zero) and the bias as
    /// `[channels/8 · 8]`: the layout every blocked kernel reads one weight vector per tap from.
    package static func packWeights(
        _ weight: UnsafePointer<Float>, bias: [Float], channels: Int, per: Int,
        paddedPer: Int? = nil
    ) -> (weights: AlignedStorage, bias: AlignedStorage) {
        let blocks = BlockedPlane.blocks(forChannels: channels)
        let stride = paddedPer ?? per
        let w = AlignedStorage(count: blocks * stride * 8)
        let b = AlignedStorage(count: blocks * 8)
        for c in 0..<channels {
            for j in 0..<per { w.pointer[((c / 8) * stride + j) * 8 + c % 8] = weight[c * per + j] }
            b.pointer[c] = bias[c]
        }
        return (w, b)
    }

    /// Output size of a k×k convolution with padding k/2 along one axis.
    package static func outputSize(_ n: Int, kernel: Int, stride: Int) -> Int {
        (n + 2 * (kernel / 2) - kernel) / stride + 1
    }

    /// The blocked plane's interior → NCHW `[channels][height][width]`.
    package static func unpack(
        _ src: UnsafePointer<Float>, _ g: BlockedPlane, channels: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        for c in 0..<channels {
            let plane = dst + c * g.pixels
            for y in 0..<g.height {
                let row = src + g.offset(c / 8, y, 0) + c % 8
                for x in 0..<g.width { plane[y * g.width + x] = row[x * 8] }
            }
        }
    }
}
