/// Dense k×k convolution (k = 3 or 5, stride 1 or 2) with few input channels, such as the stem's 3→8, on one
/// sample: each output channel is the sum of per-input-channel convolutions done by the unrolled depthwise
/// kernels. im2col + GEMM is slow here (K = 27 is far too small for a GEMM to pay off).
package enum DirectConvolution {
    package static func supports(kernel: Int, stride: Int) -> Bool {
        (kernel == 3 || kernel == 5) && (stride == 1 || stride == 2)
    }

    package static func scratchFloats(_ g: DepthwiseGeometry, inChannels: Int) -> Int {
        inChannels * 2 * g.planeFloats + 2 * g.outHeight * g.paddedOutWidth + 64
    }

    /// y[cout, ho, wo] = Σ_c w[o, c] ⋆ x[c] (overwritten).
    package static func forward(
        x: UnsafePointer<Float>, inChannels cin: Int, w: UnsafePointer<Float>, outChannels cout: Int,
        y: UnsafeMutablePointer<Float>, geometry g: DepthwiseGeometry, scratch: UnsafeMutablePointer<Float>
    ) {
        let kk = g.kernel * g.kernel
        let inPlane = g.height * g.width
        let outPlane = g.outHeight * g.outWidth
        let planeSet = 2 * g.planeFloats
        for c in 0..<cin { DepthwiseKernels.pad(x + c * inPlane, g, into: scratch + c * planeSet) }
        let direct = g.paddedOutWidth == g.outWidth
        let tmp = scratch + cin * planeSet
        for o in 0..<cout {
            let target = direct ? y + o * outPlane : tmp
            let stride = direct ? g.outWidth : g.paddedOutWidth
            for c in 0..<cin {
                _ = DepthwiseKernels.convolveFast(
                    scratch + c * planeSet, g, w + (o * cin + c) * kk, target, outStride: stride,
                    accumulate: c > 0)
            }
            if !direct {
                DepthwiseKernels.narrow(
                    tmp, rows: g.outHeight, stride: g.paddedOutWidth, width: g.outWidth, into: y + o * outPlane)
            }
        }
    }

    /// dw[o, c] += Σ dy[o] · x[c] shifted, for every (o, c).
    package static func weightGradient(
        x: UnsafePointer<Float>, inChannels cin: Int, dy: UnsafePointer<Float>, outChannels cout: Int,
        dw: UnsafeMutablePointer<Float>, geometry g: DepthwiseGeometry, scratch: UnsafeMutablePointer<Float>
    ) {
        let kk = g.kernel * g.kernel
        let inPlane = g.height * g.width
        let outPlane = g.outHeight * g.outWidth
        let planeSet = 2 * g.planeFloats
        let pw = g.paddedOutWidth
        for c in 0..<cin { DepthwiseKernels.pad(x + c * inPlane, g, into: scratch + c * planeSet) }
        let wide = scratch + cin * planeSet
        for o in 0..<cout {
            var d = dy + o * outPlane
            if pw != g.outWidth {
                DepthwiseKernels.widen(d, rows: g.outHeight, width: g.outWidth, stride: pw, into: wide)
                d = UnsafePointer(wide)
            }
            for c in 0..<cin {
                _ = DepthwiseKernels.weightGradientFast(scratch + c * planeSet, g, d, dw + (o * cin + c) * kk)
            }
        }
    }
}
