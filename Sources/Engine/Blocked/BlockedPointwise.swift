import EngineAVX512

/// A 1×1 convolution's folded weights packed for `BlockedPointwise`: `[pairs][inBlocks·8][16]`, where a pair
/// is two consecutive output blocks, so for one input channel the eight channels of each of the two blocks
/// are side by side: two `V8` for the AVX2 kernel, one zmm vector for the AVX-512 one (one layout for every
/// kernel set). Missing channels, and the second block of an odd last pair, are zero; the bias is
/// `[pairs·16]`.
package struct BlockedPointwiseWeights: @unchecked Sendable {
    package let weights: AlignedStorage, bias: AlignedStorage
    package let inBlocks: Int, outBlocks: Int
    /// The kernel set `BlockedPointwise` runs these weights with.
    package let kernels: KernelSet

    /// `weight` is `[outChannels][inChannels]` (row-major), `bias` has `outChannels` values. `kernels` forces
    /// a set (tests); by default the active set's choice for this shape (`KernelSet.pointwise(inChannels:outChannels:)`).
    package init(
        weight: UnsafePointer<Float>, bias: [Float], outChannels: Int, inChannels: Int,
        kernels: KernelSet? = nil
    ) {
        inBlocks = BlockedPlane.blocks(forChannels: inChannels)
        outBlocks = BlockedPlane.blocks(forChannels: outChannels)
        self.kernels = kernels ?? KernelSet.active.pointwise(inChannels: inChannels, outChannels: outChannels)
        let pairs = (outBlocks + 1) / 2
        let k = inBlocks * 8
        weights = AlignedStorage(count: pairs * k * 16)
        self.bias = AlignedStorage(count: pairs * 16)
        for c in 0..<outChannels {
            let block = c / 8
            let lane = (block % 2) * 8 + c % 8
            let row = weights.pointer + (block / 2) * k * 16 + lane
            for j in 0..<inChannels { row[j * 16] = weight[c * inChannels + j] }
            self.bias.pointer[c] = bias[c]
        }
    }
}

/// y = act(W·x + b) [+ r] for a 1×1 convolution on blocked activations. The register tile is 2 output
/// blocks × 6 pixels (12 accumulators): per input channel two weight vectors are loaded and six input values
/// broadcast, feeding 12 FMAs, and bias, activation and the residual are applied before the single store of
/// each output.
package enum BlockedPointwise {
    static let tilePixels = 6, chunkPixels = 24

    /// Independent work items: chunks of 24 pixels × pairs of output blocks. `forward` orders them
    /// chunk-major (`pixelMajor`: a contiguous share of the items is a share of the pixels, so each core reads
    /// and writes mostly rows that stay in its own cache from one layer to the next) or pair-major (a share is
    /// a share of the output channels, so each core reads only its part of the weights).
    package static func items(_ w: BlockedPointwiseWeights, pixels: Int) -> Int {
        switch w.kernels {
        case .avx2: (w.outBlocks + 1) / 2 * ((pixels + chunkPixels - 1) / chunkPixels)
        case .avx512: PointwiseAVX512.items(outBlocks: w.outBlocks, pixels: pixels)
        }
    }

    /// Items `items` of the convolution of `x` (an unpadded plane of `pixels` pixels, `w.inBlocks` blocks)
    /// into the interior of `y` (geometry `out`, `pixels` = out.height·out.width). With `residual` (a plane of
    /// geometry `out`, which may be `y` itself: each output reads only its own position first) the result is
    /// act(W·x + b) + r, an inverted-residual block's skip connection.
    package static func forward(
        x: UnsafePointer<Float>, pixels: Int, _ w: BlockedPointwiseWeights,
        y: UnsafeMutablePointer<Float>, out: BlockedPlane, pixelMajor: Bool = true,
        activation: BlockedActivation = .hardSwish, residual: UnsafePointer<Float>? = nil, items: Range<Int>
    ) {
        if w.kernels == .avx512 {
            let problem = PointwiseProblem(
                x: x, pixels: pixels, inBlocks: w.inBlocks, weights: w.weights.pointer, bias: w.bias.pointer,
                outBlocks: w.outBlocks, y: y, outWidth: out.width, outHeight: out.height, outPad: out.pad,
                residual: residual, activation: activation.avx512, pixelMajor: pixelMajor)
            PointwiseAVX512.forward(problem, items: items)
            return
        }
        let r = residual ?? UnsafePointer(y)
        switch (activation, residual != nil) {
        case (.hardSwish, false):
            run(HardSwishActivation.self, WithoutResidual.self, x, pixels, w, y, out, pixelMajor, r, items)
        case (.relu6, false):
            run(ReLU6Activation.self, WithoutResidual.self, x, pixels, w, y, out, pixelMajor, r, items)
        case (.none, false):
            run(IdentityActivation.self, WithoutResidual.self, x, pixels, w, y, out, pixelMajor, r, items)
        case (.hardSwish, true):
            run(HardSwishActivation.self, AddsResidual.self, x, pixels, w, y, out, pixelMajor, r, items)
        case (.relu6, true): run(ReLU6Activation.self, AddsResidual.self, x, pixels, w, y, out, pixelMajor, r, items)
        case (.none, true): run(IdentityActivation.self, AddsResidual.self, x, pixels, w, y, out, pixelMajor, r, items)
        }
    }

    @inline(__always)
    static func run<A: BlockedActivationKernel, R: BlockedResidualMode>(
        _: A.Type, _: R.Type, _ x: UnsafePointer<Float>, _ pixels: Int, _ w: BlockedPointwiseWeights,
        _ y: UnsafeMutablePointer<Float>, _ out: BlockedPlane, _ pixelMajor: Bool, _ residual: UnsafePointer<Float>,
        _ items: Range<Int>
    ) {
        let pairs = (w.outBlocks + 1) / 2
        let chunks = (pixels + chunkPixels - 1) / chunkPixels
        for item in items {
            let (chunk, pair) = pixelMajor ? (item / pairs, item % pairs) : (item % chunks, item / chunks)
            let b0 = 2 * pair
            let b1 = min(2 * pair + 1, w.outBlocks - 1)
            let first = chunk * chunkPixels
            pixelRun(
                A.self, R.self, x: x, pixels: pixels, first: first, end: min(pixels, first + chunkPixels), w, b0, b1,
                y: y, out: out, residual: residual)
        }
    }

    /// Output blocks `b0` and `b1` for pixels `first..<end`, six at a time. One call per chunk: the compiler
    /// kept `tile` out of line, called once per six pixels, and calling per chunk took 3–4 % off the layers
    /// with 8 and 16 input channels (one core, 2026-11-26).
    @inline(never)
    static func pixelRun<A: BlockedActivationKernel, R: BlockedResidualMode>(
        _: A.Type, _: R.Type, x: UnsafePointer<Float>, pixels: Int, first: Int, end: Int,
        _ w: BlockedPointwiseWeights, _ b0: Int, _ b1: Int, y: UnsafeMutablePointer<Float>, out: BlockedPlane,
        residual: UnsafePointer<Float>
    ) {
        var p = first
        var py = p / out.width
        var px = p % out.width
        while p < end {
            tile(
                A.self, R.self, x: x, pixels: pixels, first: p, count: min(tilePixels, end - p), py: py, px: px,
                w, b0, b1, y: y, out: out, residual: residual)
            p += tilePixels
            px += tilePixels
            while px >= out.width {
                px -= out.width
                py += 1
            }
        }
    }

    /// Output blocks `b0` and `b1` (equal when the block count is odd) for pixels `first..<first+count`
    /// (count ≤ 6; missing pixels repeat the last one and are not stored); pixel `first` is at (py, px).
    @inline(__always)
    static func tile<A: BlockedActivationKernel, R: BlockedResidualMode>(
        _: A.Type, _: R.Type, x: UnsafePointer<Float>, pixels: Int, first: Int, count: Int, py: Int, px: Int,
        _ w: BlockedPointwiseWeights, _ b0: Int, _ b1: Int, y: UnsafeMutablePointer<Float>, out: BlockedPlane,
        residual: UnsafePointer<Float>
    ) {
        let last = first + count - 1
        let o0 = first * 8
        let o1 = min(first + 1, last) * 8
        let o2 = min(first + 2, last) * 8
        let o3 = min(first + 3, last) * 8
        let o4 = min(first + 4, last) * 8
        let o5 = min(first + 5, last) * 8
        let k = w.inBlocks * 8
        // Blocks b0 and b1 = b0 + 1 are one pair: their weight vectors alternate.
        var wp = UnsafePointer(w.weights.pointer + (b0 / 2) * k * 16)
        // The accumulators start at the bias.
        let c0 = Blocked.load(w.bias.pointer + b0 * 8)
        let c1 = Blocked.load(w.bias.pointer + b0 * 8 + 8)
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
                let u0 = Blocked.load(wp)
                let u1 = Blocked.load(wp + 8)
                wp += 16
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
        let r0 = residual + b0 * out.blockFloats
        let r1 = residual + b1 * out.blockFloats
        if count == tilePixels && b1 != b0 {
            // A full tile. Pixel i's offset is one pixel on from pixel i − 1's, and over the border after a
            // row's last pixel (rows of 8 or 16 pixels end inside most tiles).
            let wrap = 2 * out.pad * 8
            var column = px
            var at = (py + out.pad) * out.rowFloats + (px + out.pad) * 8
            @inline(__always) func next() -> Int {
                let here = at
                column += 1
                at += 8
                if column == out.width {
                    column = 0
                    at += wrap
                }
                return here
            }
            let t0 = next()
            let t1 = next()
            let t2 = next()
            let t3 = next()
            let t4 = next()
            let t5 = next()
            finish(a00, d0, r0, t0, A.self, R.self)
            finish(a10, d1, r1, t0, A.self, R.self)
            finish(a01, d0, r0, t1, A.self, R.self)
            finish(a11, d1, r1, t1, A.self, R.self)
            finish(a02, d0, r0, t2, A.self, R.self)
            finish(a12, d1, r1, t2, A.self, R.self)
            finish(a03, d0, r0, t3, A.self, R.self)
            finish(a13, d1, r1, t3, A.self, R.self)
            finish(a04, d0, r0, t4, A.self, R.self)
            finish(a14, d1, r1, t4, A.self, R.self)
            finish(a05, d0, r0, t5, A.self, R.self)
            finish(a15, d1, r1, t5, A.self, R.self)
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
            finish(s0, d0, r0, at, A.self, R.self)
            if b1 != b0 { finish(s1, d1, r1, at, A.self, R.self) }
            px += 1
            if px == out.width {
                px = 0
                py += 1
            }
        }
    }

    /// Stores act(a) [+ the residual at the same position] at `dst + at`.
    @inline(__always)
    static func finish<A: BlockedActivationKernel, R: BlockedResidualMode>(
        _ a: V8, _ dst: UnsafeMutablePointer<Float>, _ residual: UnsafePointer<Float>, _ at: Int, _: A.Type,
        _: R.Type
    ) {
        var v = A.apply(a)
        if R.adds { v += Blocked.load(residual + at) }
        Blocked.store(v, dst + at)
    }
}

/// Whether a kernel adds a residual, as a type, so that the choice is made at compile time.
package protocol BlockedResidualMode { static var adds: Bool { get } }
/// The output is the activation alone.
package enum WithoutResidual: BlockedResidualMode { package static var adds: Bool { false } }
/// The output is the activation plus the residual at the same position.
package enum AddsResidual: BlockedResidualMode { package static var adds: Bool { true } }
