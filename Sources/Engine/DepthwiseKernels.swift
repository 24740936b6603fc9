/// Direct depthwise-convolution kernels on one H×W plane (square kernel k, stride s, padding p).
///
/// Each tap (ky, kx) is a row-wise multiply-add over the valid output columns; for stride 1 the inner loop
/// is contiguous and vectorises. No im2col: the layer is memory-bound and this touches each input once
/// per tap row.
package enum DepthwiseKernels {
    /// The output columns `ox` for which `ox·s + kx - p` falls inside `0..<width`.
    @inline(__always)
    static func validColumns(kx: Int, stride: Int, padding: Int, width: Int, outWidth: Int) -> Range<Int> {
        // ox*s + kx - p >= 0  ->  ox >= ceil((p - kx) / s)
        let lo = max(0, (padding - kx + stride - 1) / stride)
        // ox*s + kx - p <= width - 1  ->  ox <= floor((width - 1 - kx + p) / s)
        let num = width - 1 - kx + padding
        let hi = num < 0 ? -1 : min(outWidth - 1, num / stride)
        return lo <= hi ? lo..<(hi + 1) : 0..<0
    }

    /// y = w ⋆ x for one plane (y is overwritten).
    package static func forward(x: UnsafePointer<Float>, height: Int, width: Int, w: UnsafePointer<Float>,
                                kernel k: Int, stride s: Int, padding p: Int,
                                y: UnsafeMutablePointer<Float>, outHeight ho: Int, outWidth wo: Int) {
        y.update(repeating: 0, count: ho * wo)
        for oy in 0..<ho {
            let yr = y + oy * wo
            for ky in 0..<k {
                let iy = oy * s + ky - p
                if iy < 0 || iy >= height { continue }
                let xr = x + iy * width
                for kx in 0..<k {
                    let wv = w[ky * k + kx]
                    let cols = validColumns(kx: kx, stride: s, padding: p, width: width, outWidth: wo)
                    if cols.isEmpty { continue }
                    let off = kx - p
                    if s == 1 {
                        let xs = xr + off
                        for ox in cols { yr[ox] += wv * xs[ox] }
                    } else {
                        for ox in cols { yr[ox] += wv * xr[ox * s + off] }
                    }
                }
            }
        }
    }

    /// dx += wᵀ ⋆ dy for one plane (dx must be zeroed by the caller).
    package static func backwardInput(dy: UnsafePointer<Float>, outHeight ho: Int, outWidth wo: Int,
                                      w: UnsafePointer<Float>, kernel k: Int, stride s: Int, padding p: Int,
                                      dx: UnsafeMutablePointer<Float>, height: Int, width: Int) {
        for oy in 0..<ho {
            let gr = dy + oy * wo
            for ky in 0..<k {
                let iy = oy * s + ky - p
                if iy < 0 || iy >= height { continue }
                let dr = dx + iy * width
                for kx in 0..<k {
                    let wv = w[ky * k + kx]
                    let cols = validColumns(kx: kx, stride: s, padding: p, width: width, outWidth: wo)
                    if cols.isEmpty { continue }
                    let off = kx - p
                    if s == 1 {
                        let ds = dr + off
                        for ox in cols { ds[ox] += wv * gr[ox] }
                    } else {
                        for ox in cols { dr[ox * s + off] += wv * gr[ox] }
                    }
                }
            }
        }
    }

    /// dw[ky·k + kx] += Σ dy[oy, ox] · x[oy·s + ky - p, ox·s + kx - p] for one plane.
    package static func backwardWeight(x: UnsafePointer<Float>, height: Int, width: Int,
                                       dy: UnsafePointer<Float>, outHeight ho: Int, outWidth wo: Int,
                                       kernel k: Int, stride s: Int, padding p: Int, dw: UnsafeMutablePointer<Float>) {
        for ky in 0..<k {
            for kx in 0..<k {
                let cols = validColumns(kx: kx, stride: s, padding: p, width: width, outWidth: wo)
                if cols.isEmpty { continue }
                let off = kx - p
                var acc: Float = 0
                for oy in 0..<ho {
                    let iy = oy * s + ky - p
                    if iy < 0 || iy >= height { continue }
                    let xr = x + iy * width, gr = dy + oy * wo
                    if s == 1 {
                        let xs = xr + off
                        for ox in cols { acc += gr[ox] * xs[ox] }
                    } else {
                        for ox in cols { acc += gr[ox] * xr[ox * s + off] }
                    }
                }
                dw[ky * k + kx] += acc
            }
        }
    }
}
