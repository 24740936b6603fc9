/// Direct SIMD depthwise-convolution kernels on one H×W plane (square odd kernel k, stride 1 or 2,
/// padding p = k/2).
///
/// The input plane is first copied into a zero-padded scratch plane (for stride 2 split into even and odd
/// columns, which turns the stride-2 access into two stride-1 ones). Each SIMD chunk of an output row then
/// accumulates all k² taps in a register with unaligned loads and FMAs: no bounds checks in the hot loop,
/// one store per output vector. Rows are padded to the vector width so odd sizes work too.
package struct DepthwiseGeometry: Sendable {
    package let height: Int, width: Int, kernel: Int, stride: Int, padding: Int
    package let outHeight: Int, outWidth: Int
    /// SIMD lanes per output chunk (8, or 4 for narrow planes).
    package let lanes: Int
    /// `outWidth` rounded up to `lanes`.
    package let paddedOutWidth: Int

    package init(height: Int, width: Int, kernel: Int, stride: Int) {
        precondition(kernel % 2 == 1 && (stride == 1 || stride == 2), "depthwise kernel \(kernel) stride \(stride)")
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        padding = kernel / 2
        outHeight = (height + 2 * padding - kernel) / stride + 1
        outWidth = (width + 2 * padding - kernel) / stride + 1
        lanes = outWidth >= 8 ? 8 : 4
        paddedOutWidth = (outWidth + lanes - 1) / lanes * lanes
    }

    /// Rows of a padded plane and floats between rows (one plane; stride 2 uses two).
    package var paddedRows: Int { height + 2 * padding }
    package var rowStride: Int { stride == 1 ? paddedOutWidth + 2 * padding : paddedOutWidth + padding }
    package var planeFloats: Int { paddedRows * rowStride }
    /// Scratch floats one worker needs for any of the three kernels.
    package var scratchFloats: Int {
        // padded input (2 planes) + a stride-1 grid plane for dx + widened dy + flipped kernel + a dx row buffer
        let grid = (height + 2 * padding) * ((width + 7) / 8 * 8 + 2 * padding + 8)
        return 2 * planeFloats + max(2 * planeFloats, grid) + 2 * outHeight * paddedOutWidth + height
            * ((width + 7) / 8 * 8) + 128
    }
}

package enum DepthwiseKernels {
    @inline(__always)
    static func load<V: SIMD>(_ p: UnsafePointer<Float>, _: V.Type) -> V where V.Scalar == Float {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>) where V.Scalar == Float {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// Copies plane `x` (h×w) into zero-padded scratch: one plane for stride 1, even/odd column planes for 2.
    static func pad(_ x: UnsafePointer<Float>, _ g: DepthwiseGeometry, into planes: UnsafeMutablePointer<Float>) {
        let rs = g.rowStride
        let p = g.padding
        let count = g.stride == 1 ? g.planeFloats : 2 * g.planeFloats
        planes.update(repeating: 0, count: count)
        for iy in 0..<g.height {
            let src = x + iy * g.width
            if g.stride == 1 {
                (planes + (iy + p) * rs + p).update(from: src, count: g.width)
            } else {
                let even = planes + (iy + p) * rs
                let odd = planes + g.planeFloats + (iy + p) * rs
                for ix in 0..<g.width {
                    let j = ix + p
                    if j & 1 == 0 { even[j >> 1] = src[ix] } else { odd[j >> 1] = src[ix] }
                }
            }
        }
    }

    /// Output rows from padded planes: out[oy·outStride + ox] for ox in whole SIMD chunks.
    @inline(__always)
    static func convolve<V: SIMD>(
        _ planes: UnsafePointer<Float>, _ g: DepthwiseGeometry, _ w: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, outStride: Int, _: V.Type
    ) where V.Scalar == Float {
        let k = g.kernel
        let s = g.stride
        let rs = g.rowStride
        let odd = planes + g.planeFloats
        for oy in 0..<g.outHeight {
            var ox = 0
            while ox < g.paddedOutWidth {
                var acc = V()
                for ky in 0..<k {
                    let row = (oy * s + ky) * rs + ox
                    for kx in 0..<k {
                        let src = s == 1 ? planes + row + kx : (kx & 1 == 0 ? planes : odd) + row + (kx >> 1)
                        acc = acc.addingProduct(load(src, V.self), V(repeating: w[ky * k + kx]))
                    }
                }
                store(acc, out + oy * outStride + ox)
                ox += V.scalarCount
            }
        }
    }

    static func convolve(
        _ planes: UnsafePointer<Float>, _ g: DepthwiseGeometry, _ w: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        if convolveFast(planes, g, w, out, outStride: outStride) { return }
        if g.lanes == 8 {
            convolve(planes, g, w, out, outStride: outStride, SIMD8<Float>.self)
        } else {
            convolve(planes, g, w, out, outStride: outStride, SIMD4<Float>.self)
        }
    }

    /// Copies `src` rows of `width` floats into rows of `stride` floats, zero-filling the slack.
    static func widen(
        _ src: UnsafePointer<Float>, rows: Int, width: Int, stride: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            (dst + r * stride).update(from: src + r * width, count: width)
            if stride > width { (dst + r * stride + width).update(repeating: 0, count: stride - width) }
        }
    }

    static func narrow(
        _ src: UnsafePointer<Float>, rows: Int, stride: Int, width: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows { (dst + r * width).update(from: src + r * stride, count: width) }
    }

    /// y = w ⋆ x for one plane (y overwritten, h_o×w_o).
    package static func forward(
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        geometry g: DepthwiseGeometry, scratch: UnsafeMutablePointer<Float>
    ) {
        pad(x, g, into: scratch)
        if g.paddedOutWidth == g.outWidth {
            convolve(scratch, g, w, y, outStride: g.outWidth)
        } else {
            let tmp = scratch + 2 * g.planeFloats
            convolve(scratch, g, w, tmp, outStride: g.paddedOutWidth)
            narrow(tmp, rows: g.outHeight, stride: g.paddedOutWidth, width: g.outWidth, into: y)
        }
    }

    /// dx = gradient of the input plane (overwritten) and dw += gradient of the k×k weights, from dy.
    package static func backward(
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>,
        geometry g: DepthwiseGeometry, scratch: UnsafeMutablePointer<Float>
    ) {
        if g.lanes == 8 {
            backward(x, w, dy, dx, dw, g, scratch, SIMD8<Float>.self)
        } else {
            backward(x, w, dy, dx, dw, g, scratch, SIMD4<Float>.self)
        }
    }

    @inline(__always)
    static func backward<V: SIMD>(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>?, _ dw: UnsafeMutablePointer<Float>,
        _ g: DepthwiseGeometry, _ scratch: UnsafeMutablePointer<Float>, _: V.Type
    ) where V.Scalar == Float {
        let k = g.kernel
        let s = g.stride
        let rs = g.rowStride
        let pw = g.paddedOutWidth
        let planes = scratch
        let odd = scratch + g.planeFloats
        let work = scratch + 2 * g.planeFloats  // 2 planes: dx accumulators / padded dy plane
        let gridFloats = (g.height + 2 * g.padding) * ((g.width + 7) / 8 * 8 + 2 * g.padding + 8)
        let dyWide = work + max(2 * g.planeFloats, gridFloats)  // dy rows widened to paddedOutWidth
        pad(x, g, into: planes)
        let d: UnsafePointer<Float>
        if pw == g.outWidth {
            d = dy
        } else {
            widen(dy, rows: g.outHeight, width: g.outWidth, stride: pw, into: dyWide)
            d = UnsafePointer(dyWide)
        }
        // dw[ky, kx] += Σ dy · x_shifted
        if !weightGradientFast(planes, g, d, dw) {
            for ky in 0..<k {
                for kx in 0..<k {
                    var acc = V()
                    for oy in 0..<g.outHeight {
                        let row = (oy * s + ky) * rs
                        let src = s == 1 ? planes + row + kx : (kx & 1 == 0 ? planes : odd) + row + (kx >> 1)
                        let gr = d + oy * pw
                        var ox = 0
                        while ox < pw {
                            acc = acc.addingProduct(load(gr + ox, V.self), load(src + ox, V.self))
                            ox += V.scalarCount
                        }
                    }
                    dw[ky * k + kx] += acc.sum()
                }
            }
        }
        guard let dx else { return }
        if s == 1 {
            // Stride 1: dx is dy convolved with the kernel rotated 180°, same padding.
            let flipped = dyWide + g.outHeight * pw
            for t in 0..<(k * k) { flipped[t] = w[k * k - 1 - t] }
            let dyGeometry = DepthwiseGeometry(height: g.outHeight, width: g.outWidth, kernel: k, stride: 1)
            pad(dy, dyGeometry, into: work)
            if pw == g.width {
                convolve(work, dyGeometry, flipped, dx, outStride: g.width)
            } else {
                let tmp = dyWide + g.outHeight * pw + k * k
                convolve(work, dyGeometry, flipped, tmp, outStride: pw)
                narrow(tmp, rows: g.height, stride: pw, width: g.width, into: dx)
            }
            return
        }
        // Stride 2: dx is the stride-1 convolution (same padding) of dy spread onto the even positions of an
        // h×w grid, with the kernel rotated 180°. A quarter of the taps multiply zeros, but the loop is the
        // unrolled, register-blocked forward kernel.
        let flipped = dyWide + g.outHeight * pw
        for t in 0..<(k * k) { flipped[t] = w[k * k - 1 - t] }
        let grid = DepthwiseGeometry(height: g.height, width: g.width, kernel: k, stride: 1)
        let p = g.padding
        let grs = grid.rowStride
        work.update(repeating: 0, count: grid.planeFloats)
        for oy in 0..<g.outHeight {
            let dst = work + (2 * oy + p) * grs + p
            let src = dy + oy * g.outWidth
            for ox in 0..<g.outWidth { dst[2 * ox] = src[ox] }
        }
        if grid.paddedOutWidth == g.width {
            convolve(work, grid, flipped, dx, outStride: g.width)
        } else {
            let tmp = flipped + k * k
            convolve(work, grid, flipped, tmp, outStride: grid.paddedOutWidth)
            narrow(tmp, rows: g.height, stride: grid.paddedOutWidth, width: g.width, into: dx)
        }
    }
}
