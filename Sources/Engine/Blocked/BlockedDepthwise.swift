/// A depthwise convolution's folded weights packed for `BlockedDepthwise`: `[blocks][k·k][8]`.
package struct BlockedDepthwiseWeights: @unchecked Sendable {
    package let weights: AlignedStorage, bias: AlignedStorage
    package let blocks: Int, kernel: Int, stride: Int

    /// `weight` is `[channels][k·k]`, `bias` has `channels` values.
    package init(weight: UnsafePointer<Float>, bias: [Float], channels: Int, kernel: Int, stride: Int) {
        blocks = BlockedPlane.blocks(forChannels: channels)
        self.kernel = kernel
        self.stride = stride
        (weights, self.bias) = Blocked.packWeights(weight, bias: bias, channels: channels, per: kernel * kernel)
    }

    /// Output size along one axis (padding k/2).
    package func outputSize(_ n: Int) -> Int { Blocked.outputSize(n, kernel: kernel, stride: stride) }
}

/// y = act(w ⋆ x + b) per channel on blocked activations: each output pixel's 8 channels are one
/// vector, accumulated over the k² taps with one FMA each, eight (then four, then one) output pixels at a time so that
/// enough independent FMA chains hide the FMA latency. The input plane carries a zero border of k/2, so the
/// loops have no bounds checks. Padding is k/2 on every side unless `padBefore` says otherwise (TensorFlow
/// "same" padding of stride-2 layers pads less at the top/left): the kernel then starts reading further into
/// the border-padded plane, which must still hold every pixel it reaches.
package enum BlockedDepthwise {
    /// Independent work items: output rows × blocks, row-major (a share of the items is a band of rows).
    package static func items(_ w: BlockedDepthwiseWeights, outHeight: Int) -> Int { w.blocks * outHeight }

    package static func forward(
        x: UnsafePointer<Float>, in g: BlockedPlane, _ w: BlockedDepthwiseWeights,
        y: UnsafeMutablePointer<Float>, out: BlockedPlane, activation: BlockedActivation = .hardSwish,
        padBefore: (top: Int, left: Int)? = nil, items: Range<Int>
    ) {
        let (top, left) = padBefore ?? (w.kernel / 2, w.kernel / 2)
        // Offset of the first tap inside the padded plane.
        let origin = (g.pad - top) * g.rowFloats + (g.pad - left) * 8
        precondition(
            top <= g.pad && left <= g.pad
                && (out.height - 1) * w.stride + w.kernel - top <= g.height + g.pad
                && (out.width - 1) * w.stride + w.kernel - left <= g.width + g.pad,
            "depthwise \(w.kernel)×\(w.kernel)/\(w.stride): an input border of \(g.pad) does not cover padding \(top), \(left)"
        )
        let src = x + origin
        switch activation {
        case .hardSwish: dispatch(HardSwishActivation.self, src, g, w, y, out, items)
        case .relu6: dispatch(ReLU6Activation.self, src, g, w, y, out, items)
        case .none: dispatch(IdentityActivation.self, src, g, w, y, out, items)
        }
    }

    /// The common shapes get their own copy with constant loop bounds, which the compiler unrolls.
    @inline(__always)
    static func dispatch<A: BlockedActivationKernel>(
        _ a: A.Type, _ x: UnsafePointer<Float>, _ g: BlockedPlane, _ w: BlockedDepthwiseWeights,
        _ y: UnsafeMutablePointer<Float>, _ out: BlockedPlane, _ items: Range<Int>
    ) {
        switch (w.kernel, w.stride) {
        case (3, 1): run3x3(a, x, g, w, y, out, items)
        case (3, 2): run(3, 2, a, x, g, w, y, out, items)
        case (5, 1): run(5, 1, a, x, g, w, y, out, items)
        case (5, 2): run(5, 2, a, x, g, w, y, out, items)
        default: run(w.kernel, w.stride, a, x, g, w, y, out, items)
        }
    }

    @inline(__always)
    static func run<A: BlockedActivationKernel>(
        _ k: Int, _ s: Int, _: A.Type, _ x: UnsafePointer<Float>, _ g: BlockedPlane, _ w: BlockedDepthwiseWeights,
        _ y: UnsafeMutablePointer<Float>, _ out: BlockedPlane, _ items: Range<Int>
    ) {
        let rf = g.rowFloats
        let kk = k * k
        for item in items {
            let oy = item / w.blocks
            let b = item % w.blocks
            let src = x + b * g.blockFloats + oy * s * rf
            let wts = UnsafePointer(w.weights.pointer + b * kk * 8)
            let bias = Blocked.load(w.bias.pointer + b * 8)
            let dst = y + out.offset(b, oy, 0)
            var ox = 0
            while ox + 8 <= out.width {
                var a0 = bias
                var a1 = bias
                var a2 = bias
                var a3 = bias
                var a4 = bias
                var a5 = bias
                var a6 = bias
                var a7 = bias
                for ky in 0..<k {
                    let r = src + ky * rf + ox * s * 8
                    for kx in 0..<k {
                        let u = Blocked.load(wts + (ky * k + kx) * 8)
                        a0 = a0.addingProduct(Blocked.load(r + kx * 8), u)
                        a1 = a1.addingProduct(Blocked.load(r + (s + kx) * 8), u)
                        a2 = a2.addingProduct(Blocked.load(r + (2 * s + kx) * 8), u)
                        a3 = a3.addingProduct(Blocked.load(r + (3 * s + kx) * 8), u)
                        a4 = a4.addingProduct(Blocked.load(r + (4 * s + kx) * 8), u)
                        a5 = a5.addingProduct(Blocked.load(r + (5 * s + kx) * 8), u)
                        a6 = a6.addingProduct(Blocked.load(r + (6 * s + kx) * 8), u)
                        a7 = a7.addingProduct(Blocked.load(r + (7 * s + kx) * 8), u)
                    }
                }
                Blocked.store((a0, a1, a2, a3, a4, a5, a6, a7), dst + ox * 8, A.self)
                ox += 8
            }
            while ox + 4 <= out.width {
                var a0 = bias
                var a1 = bias
                var a2 = bias
                var a3 = bias
                for ky in 0..<k {
                    let r = src + ky * rf + ox * s * 8
                    for kx in 0..<k {
                        let u = Blocked.load(wts + (ky * k + kx) * 8)
                        a0 = a0.addingProduct(Blocked.load(r + kx * 8), u)
                        a1 = a1.addingProduct(Blocked.load(r + (s + kx) * 8), u)
                        a2 = a2.addingProduct(Blocked.load(r + (2 * s + kx) * 8), u)
                        a3 = a3.addingProduct(Blocked.load(r + (3 * s + kx) * 8), u)
                    }
                }
                Blocked.store((a0, a1, a2, a3), dst + ox * 8, A.self)
                ox += 4
            }
            while ox < out.width {
                Blocked.store(A.apply(pixel(k, s, src, rf, wts, bias, column: ox)), dst + ox * 8)
                ox += 1
            }
        }
    }

    /// A 3×3, stride-1 depthwise convolution. Each input vector of a kernel row is loaded once and feeds every
    /// output of an 8-pixel group it is a tap of, with that kernel row's weights in registers (10 input and 3
    /// weight loads per 24 FMAs, against 27 loads when every tap loads its input: 0.0078 → 0.0069 ms at
    /// 64×64×8, 0.0082 → 0.0070 at 32×32×32, 0.0046 → 0.0038 at 16×16×64, one core, Zen 4). Each output still
    /// sums its taps row by row, left to right, in `run`'s order; columns past the last group of 8 take a
    /// one-pixel loop (`pixel`), as in `run`. Its own function: the same kernel inlined into `run` changed how
    /// the compiler built the other shapes (5×5 slowed by a fifth), and for 5×5 it measured slower than `run`,
    /// whose FMAs take their inputs from memory (0.0045 → 0.0048 ms at 8×8×128).
    @inline(never)
    static func run3x3<A: BlockedActivationKernel>(
        _: A.Type, _ x: UnsafePointer<Float>, _ g: BlockedPlane, _ w: BlockedDepthwiseWeights,
        _ y: UnsafeMutablePointer<Float>, _ out: BlockedPlane, _ items: Range<Int>
    ) {
        let rf = g.rowFloats
        for item in items {
            let oy = item / w.blocks
            let b = item % w.blocks
            let src = x + b * g.blockFloats + oy * rf
            let wts = UnsafePointer(w.weights.pointer + b * 72)
            let bias = Blocked.load(w.bias.pointer + b * 8)
            let dst = y + out.offset(b, oy, 0)
            var ox = 0
            while ox + 8 <= out.width {
                var a0 = bias
                var a1 = bias
                var a2 = bias
                var a3 = bias
                var a4 = bias
                var a5 = bias
                var a6 = bias
                var a7 = bias
                for ky in 0..<3 {
                    let r = src + ky * rf + ox * 8
                    let u0 = Blocked.load(wts + ky * 24)
                    let u1 = Blocked.load(wts + ky * 24 + 8)
                    let u2 = Blocked.load(wts + ky * 24 + 16)
                    var v = Blocked.load(r)
                    a0 = a0.addingProduct(v, u0)
                    v = Blocked.load(r + 8)
                    a0 = a0.addingProduct(v, u1)
                    a1 = a1.addingProduct(v, u0)
                    v = Blocked.load(r + 16)
                    a0 = a0.addingProduct(v, u2)
                    a1 = a1.addingProduct(v, u1)
                    a2 = a2.addingProduct(v, u0)
                    v = Blocked.load(r + 24)
                    a1 = a1.addingProduct(v, u2)
                    a2 = a2.addingProduct(v, u1)
                    a3 = a3.addingProduct(v, u0)
                    v = Blocked.load(r + 32)
                    a2 = a2.addingProduct(v, u2)
                    a3 = a3.addingProduct(v, u1)
                    a4 = a4.addingProduct(v, u0)
                    v = Blocked.load(r + 40)
                    a3 = a3.addingProduct(v, u2)
                    a4 = a4.addingProduct(v, u1)
                    a5 = a5.addingProduct(v, u0)
                    v = Blocked.load(r + 48)
                    a4 = a4.addingProduct(v, u2)
                    a5 = a5.addingProduct(v, u1)
                    a6 = a6.addingProduct(v, u0)
                    v = Blocked.load(r + 56)
                    a5 = a5.addingProduct(v, u2)
                    a6 = a6.addingProduct(v, u1)
                    a7 = a7.addingProduct(v, u0)
                    v = Blocked.load(r + 64)
                    a6 = a6.addingProduct(v, u2)
                    a7 = a7.addingProduct(v, u1)
                    v = Blocked.load(r + 72)
                    a7 = a7.addingProduct(v, u2)
                }
                Blocked.store((a0, a1, a2, a3, a4, a5, a6, a7), dst + ox * 8, A.self)
                ox += 8
            }
            while ox < out.width {
                Blocked.store(A.apply(pixel(3, 1, src, rf, wts, bias, column: ox)), dst + ox * 8)
                ox += 1
            }
        }
    }

    /// One output pixel's sum (before the activation) at `column`: its taps row by row, left to right.
    @inline(__always)
    static func pixel(
        _ k: Int, _ s: Int, _ src: UnsafePointer<Float>, _ rf: Int, _ wts: UnsafePointer<Float>, _ bias: V8,
        column: Int
    ) -> V8 {
        var a = bias
        for ky in 0..<k {
            let r = src + ky * rf + column * s * 8
            for kx in 0..<k {
                a = a.addingProduct(Blocked.load(r + kx * 8), Blocked.load(wts + (ky * k + kx) * 8))
            }
        }
        return a
    }
}
