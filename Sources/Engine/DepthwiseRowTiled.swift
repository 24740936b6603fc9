/// NCHW depthwise kernels for training (`DepthwiseConv2d`), tiled two output rows at a time so that every
/// loaded input vector feeds both rows. Not to be confused with the channel-blocked (NCHWc8) inference
/// kernels in `Blocked/`.

/// Compile-time kernel sizes and strides, so the depthwise loops fully unroll and keep the k² weights in
/// registers.
package protocol DepthwiseShape {
    static var k: Int { get }
    static var s: Int { get }
}

package enum K3S1: DepthwiseShape {
    package static var k: Int { 3 }
    package static var s: Int { 1 }
}
package enum K3S2: DepthwiseShape {
    package static var k: Int { 3 }
    package static var s: Int { 2 }
}
package enum K5S1: DepthwiseShape {
    package static var k: Int { 5 }
    package static var s: Int { 1 }
}
package enum K5S2: DepthwiseShape {
    package static var k: Int { 5 }
    package static var s: Int { 2 }
}

extension DepthwiseKernels {
    /// Forward over padded planes, two output rows at a time: every loaded input vector feeds both rows.
    @inline(__always)
    static func convolveRowTiled<S: DepthwiseShape, V: SIMD>(
        _: S.Type, _: V.Type, _ planes: UnsafePointer<Float>,
        _ g: DepthwiseGeometry, _ w: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, outStride: Int,
        accumulate: Bool
    ) where V.Scalar == Float {
        let k = S.k
        let s = S.s
        let rs = g.rowStride
        let odd = planes + g.planeFloats
        withUnsafeTemporaryAllocation(of: V.self, capacity: 25) { wv in
            for t in 0..<(k * k) { wv[t] = V(repeating: w[t]) }
            @inline(__always) func source(_ row: Int, _ kx: Int, _ ox: Int) -> UnsafePointer<Float> {
                s == 1 ? planes + row * rs + ox + kx : (kx & 1 == 0 ? planes : odd) + row * rs + ox + (kx >> 1)
            }
            var oy = 0
            while oy + 1 < g.outHeight {
                var ox = 0
                while ox < g.paddedOutWidth {
                    var a0 = V()
                    var a1 = V()
                    for t in 0..<(k + s) {
                        let row = oy * s + t
                        for kx in 0..<k {
                            let x = load(source(row, kx, ox), V.self)
                            if t < k { a0 = a0.addingProduct(x, wv[t * k + kx]) }
                            if t >= s && t - s < k { a1 = a1.addingProduct(x, wv[(t - s) * k + kx]) }
                        }
                    }
                    let o0 = out + oy * outStride + ox
                    let o1 = out + (oy + 1) * outStride + ox
                    store(accumulate ? a0 + load(o0, V.self) : a0, o0)
                    store(accumulate ? a1 + load(o1, V.self) : a1, o1)
                    ox += V.scalarCount
                }
                oy += 2
            }
            if oy < g.outHeight {
                var ox = 0
                while ox < g.paddedOutWidth {
                    var a0 = V()
                    for ky in 0..<k {
                        for kx in 0..<k {
                            a0 = a0.addingProduct(load(source(oy * s + ky, kx, ox), V.self), wv[ky * k + kx])
                        }
                    }
                    let o0 = out + oy * outStride + ox
                    store(accumulate ? a0 + load(o0, V.self) : a0, o0)
                    ox += V.scalarCount
                }
            }
        }
    }

    /// dw[ky, kx] += Σ dy · x_shifted, one dy load per k taps.
    @inline(__always)
    static func weightGradientRowTiled<S: DepthwiseShape, V: SIMD>(
        _: S.Type, _: V.Type, _ planes: UnsafePointer<Float>,
        _ g: DepthwiseGeometry, _ d: UnsafePointer<Float>,
        _ dw: UnsafeMutablePointer<Float>
    ) where V.Scalar == Float {
        let k = S.k
        let s = S.s
        let rs = g.rowStride
        let pw = g.paddedOutWidth
        let odd = planes + g.planeFloats
        withUnsafeTemporaryAllocation(of: V.self, capacity: 5) { acc in
            for ky in 0..<k {
                for kx in 0..<k { acc[kx] = V() }
                for oy in 0..<g.outHeight {
                    let row = (oy * s + ky) * rs
                    let gr = d + oy * pw
                    var ox = 0
                    while ox < pw {
                        let dyv = load(gr + ox, V.self)
                        for kx in 0..<k {
                            let src =
                                s == 1 ? planes + row + ox + kx : (kx & 1 == 0 ? planes : odd) + row + ox + (kx >> 1)
                            acc[kx] = acc[kx].addingProduct(dyv, load(src, V.self))
                        }
                        ox += V.scalarCount
                    }
                }
                for kx in 0..<k { dw[ky * k + kx] += acc[kx].sum() }
            }
        }
    }

    /// Dispatches to the unrolled kernels for k ∈ {3, 5}; nil when the shape has none.
    static func convolveFast(
        _ planes: UnsafePointer<Float>, _ g: DepthwiseGeometry, _ w: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, outStride: Int, accumulate: Bool = false
    ) -> Bool {
        switch (g.kernel, g.stride, g.lanes) {
        case (3, 1, 8):
            convolveRowTiled(
                K3S1.self, SIMD8<Float>.self, planes, g, w, out, outStride: outStride, accumulate: accumulate)
        case (3, 2, 8):
            convolveRowTiled(
                K3S2.self, SIMD8<Float>.self, planes, g, w, out, outStride: outStride, accumulate: accumulate)
        case (5, 1, 8):
            convolveRowTiled(
                K5S1.self, SIMD8<Float>.self, planes, g, w, out, outStride: outStride, accumulate: accumulate)
        case (5, 2, 8):
            convolveRowTiled(
                K5S2.self, SIMD8<Float>.self, planes, g, w, out, outStride: outStride, accumulate: accumulate)
        case (3, 1, 4):
            convolveRowTiled(
                K3S1.self, SIMD4<Float>.self, planes, g, w, out, outStride: outStride, accumulate: accumulate)
        case (3, 2, 4):
            convolveRowTiled(
                K3S2.self, SIMD4<Float>.self, planes, g, w, out, outStride: outStride, accumulate: accumulate)
        case (5, 1, 4):
            convolveRowTiled(
                K5S1.self, SIMD4<Float>.self, planes, g, w, out, outStride: outStride, accumulate: accumulate)
        case (5, 2, 4):
            convolveRowTiled(
                K5S2.self, SIMD4<Float>.self, planes, g, w, out, outStride: outStride, accumulate: accumulate)
        default: return false
        }
        return true
    }

    static func weightGradientFast(
        _ planes: UnsafePointer<Float>, _ g: DepthwiseGeometry, _ d: UnsafePointer<Float>,
        _ dw: UnsafeMutablePointer<Float>
    ) -> Bool {
        switch (g.kernel, g.stride, g.lanes) {
        case (3, 1, 8): weightGradientRowTiled(K3S1.self, SIMD8<Float>.self, planes, g, d, dw)
        case (3, 2, 8): weightGradientRowTiled(K3S2.self, SIMD8<Float>.self, planes, g, d, dw)
        case (5, 1, 8): weightGradientRowTiled(K5S1.self, SIMD8<Float>.self, planes, g, d, dw)
        case (5, 2, 8): weightGradientRowTiled(K5S2.self, SIMD8<Float>.self, planes, g, d, dw)
        case (3, 1, 4): weightGradientRowTiled(K3S1.self, SIMD4<Float>.self, planes, g, d, dw)
        case (3, 2, 4): weightGradientRowTiled(K3S2.self, SIMD4<Float>.self, planes, g, d, dw)
        case (5, 1, 4): weightGradientRowTiled(K5S1.self, SIMD4<Float>.self, planes, g, d, dw)
        case (5, 2, 4): weightGradientRowTiled(K5S2.self, SIMD4<Float>.self, planes, g, d, dw)
        default: return false
        }
        return true
    }
}
