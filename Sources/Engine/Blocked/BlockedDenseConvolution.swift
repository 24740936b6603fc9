/// A dense k×k convolution's folded weights packed for `BlockedDenseConvolution`:
/// `[outBlocks][inChannels][k][k][8]`.
package struct BlockedDenseWeights: @unchecked Sendable {
    package let weights: AlignedStorage, bias: AlignedStorage
    package let inChannels: Int, outBlocks: Int, kernel: Int, stride: Int

    /// `weight` is `[outChannels][inChannels][k][k]`, `bias` has `outChannels` values.
    package init(
        weight: UnsafePointer<Float>, bias: [Float], outChannels: Int, inChannels: Int, kernel: Int, stride: Int
    ) {
        self.inChannels = inChannels
        outBlocks = BlockedPlane.blocks(forChannels: outChannels)
        self.kernel = kernel
        self.stride = stride
        (weights, self.bias) = Blocked.packWeights(
            weight, bias: bias, channels: outChannels, per: inChannels * kernel * kernel)
    }

    /// Output size along one axis (padding k/2).
    package func outputSize(_ n: Int) -> Int { Blocked.outputSize(n, kernel: kernel, stride: stride) }
}

/// y = act(W ⋆ x + b) for a dense convolution with few input channels (the stem's 3→8, 3×3, stride 2)
/// from an NCHW image straight into blocked output: per tap one weight vector (8 output channels) and four
/// broadcast input values, eight output pixels at a time. Taps outside the image are skipped (zero padding:
/// k/2 on every side unless `padBefore` gives the top/left padding, as TensorFlow "same" padding does);
/// only the edge pixels take the checked path.
package enum BlockedDenseConvolution {
    /// Independent work items: output rows × output blocks, row-major (a share of the items is a band of rows).
    package static func items(_ w: BlockedDenseWeights, outHeight: Int) -> Int { w.outBlocks * outHeight }

    /// `x` is one `[inChannels][height][width]` image.
    package static func forward(
        x: UnsafePointer<Float>, height h: Int, width wd: Int, _ w: BlockedDenseWeights,
        y: UnsafeMutablePointer<Float>, out: BlockedPlane, activation: BlockedActivation = .hardSwish,
        padBefore: (top: Int, left: Int)? = nil, items: Range<Int>
    ) {
        let pad = padBefore ?? (w.kernel / 2, w.kernel / 2)
        switch activation {
        case .hardSwish: dispatch(HardSwishActivation.self, x, h, wd, w, y, out, pad, items)
        case .relu6: dispatch(ReLU6Activation.self, x, h, wd, w, y, out, pad, items)
        case .none: dispatch(IdentityActivation.self, x, h, wd, w, y, out, pad, items)
        }
    }

    /// The stem's shape gets its own copy with constant loop bounds, which the compiler unrolls.
    @inline(__always)
    static func dispatch<A: BlockedActivationKernel>(
        _ a: A.Type, _ x: UnsafePointer<Float>, _ h: Int, _ wd: Int, _ w: BlockedDenseWeights,
        _ y: UnsafeMutablePointer<Float>, _ out: BlockedPlane, _ pad: (top: Int, left: Int), _ items: Range<Int>
    ) {
        if (w.kernel, w.stride, w.inChannels) == (3, 2, 3) {
            run(3, 2, 3, a, x, h, wd, w, y, out, pad, items)
        } else {
            run(w.kernel, w.stride, w.inChannels, a, x, h, wd, w, y, out, pad, items)
        }
    }

    @inline(__always)
    static func run<A: BlockedActivationKernel>(
        _ k: Int, _ s: Int, _ cin: Int, _: A.Type, _ x: UnsafePointer<Float>, _ h: Int, _ wd: Int,
        _ w: BlockedDenseWeights, _ y: UnsafeMutablePointer<Float>, _ out: BlockedPlane, _ pad: (top: Int, left: Int),
        _ items: Range<Int>
    ) {
        let per = cin * k * k
        for item in items {
            let oy = item / w.outBlocks
            let b = item % w.outBlocks
            let wts = UnsafePointer(w.weights.pointer + b * per * 8)
            let bias = Blocked.load(w.bias.pointer + b * 8)
            let dst = y + out.offset(b, oy, 0)
            let top = oy * s - pad.top
            let kyLo = max(0, -top)
            let kyHi = min(k, h - top)
            var ox = 0
            while ox < out.width {
                // A full tile of eight, or, near the right edge, the last eight pixels of the row again (their
                // values are recomputed by the same operations): one lone pixel is a 27-FMA dependency chain,
                // and the seven right-edge pixels of the stem's rows took as long as the rest of the row.
                var at = ox
                if ox + 8 > out.width && out.width >= 8 { at = out.width - 8 }
                let left = at * s - pad.left
                if at + 8 <= out.width && left >= 0 && left + 7 * s + k - 1 < wd {
                    fullTile(k, s, cin, A.self, x, h, wd, wts, bias, top, kyLo, kyHi, left, dst + at * 8)
                    ox = at + 8
                } else {
                    let left = ox * s - pad.left
                    let kxLo = max(0, -left)
                    let kxHi = min(k, wd - left)
                    var a = bias
                    for c in 0..<cin {
                        for ky in kyLo..<kyHi {
                            let row = x + (c * h + top + ky) * wd + left
                            let wr = wts + ((c * k + ky) * k) * 8
                            for kx in kxLo..<kxHi {
                                a = a.addingProduct(V8(repeating: row[kx]), Blocked.load(wr + kx * 8))
                            }
                        }
                    }
                    Blocked.store(A.apply(a), dst + ox * 8)
                    ox += 1
                }
            }
        }
    }

    /// Eight output pixels of one block, every tap inside the image.
    @inline(__always)
    static func fullTile<A: BlockedActivationKernel>(
        _ k: Int, _ s: Int, _ cin: Int, _: A.Type, _ x: UnsafePointer<Float>, _ h: Int, _ wd: Int,
        _ wts: UnsafePointer<Float>, _ bias: V8, _ top: Int, _ kyLo: Int, _ kyHi: Int, _ left: Int,
        _ dst: UnsafeMutablePointer<Float>
    ) {
        var a0 = bias
        var a1 = bias
        var a2 = bias
        var a3 = bias
        var a4 = bias
        var a5 = bias
        var a6 = bias
        var a7 = bias
        for c in 0..<cin {
            for ky in kyLo..<kyHi {
                let row = x + (c * h + top + ky) * wd + left
                let wr = wts + ((c * k + ky) * k) * 8
                for kx in 0..<k {
                    let u = Blocked.load(wr + kx * 8)
                    a0 = a0.addingProduct(V8(repeating: row[kx]), u)
                    a1 = a1.addingProduct(V8(repeating: row[s + kx]), u)
                    a2 = a2.addingProduct(V8(repeating: row[2 * s + kx]), u)
                    a3 = a3.addingProduct(V8(repeating: row[3 * s + kx]), u)
                    a4 = a4.addingProduct(V8(repeating: row[4 * s + kx]), u)
                    a5 = a5.addingProduct(V8(repeating: row[5 * s + kx]), u)
                    a6 = a6.addingProduct(V8(repeating: row[6 * s + kx]), u)
                    a7 = a7.addingProduct(V8(repeating: row[7 * s + kx]), u)
                }
            }
        }
        Blocked.store((a0, a1, a2, a3, a4, a5, a6, a7), dst, A.self)
    }
}
