/// im2col / col2im for one sample in CHW layout, with symmetric zero padding.
///
/// `col` is `[C·kh·kw] × [Ho·Wo]` row-major: row `(c·kh + ky)·kw + kx` holds the input pixels that tap
/// (ky, kx) of channel c touches for every output position.
package enum Im2Col {
    package static func outputSize(_ input: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        (input + 2 * padding - kernel) / stride + 1
    }

    package static func im2col(
        _ x: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernel: Int, stride: Int, padding: Int, col: UnsafeMutablePointer<Float>
    ) {
        let ho = outputSize(height, kernel: kernel, stride: stride, padding: padding)
        let wo = outputSize(width, kernel: kernel, stride: stride, padding: padding)
        var row = 0
        for c in 0..<channels {
            let plane = x + c * height * width
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    let dst = col + row * ho * wo
                    for oy in 0..<ho {
                        let iy = oy * stride + ky - padding
                        let d = dst + oy * wo
                        if iy < 0 || iy >= height {
                            d.update(repeating: 0, count: wo)
                            continue
                        }
                        let src = plane + iy * width
                        for ox in 0..<wo {
                            let ix = ox * stride + kx - padding
                            d[ox] = (ix >= 0 && ix < width) ? src[ix] : 0
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Adds the columns back into `dx` (which the caller zeroes first).
    package static func col2im(
        _ col: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernel: Int, stride: Int, padding: Int, dx: UnsafeMutablePointer<Float>
    ) {
        let ho = outputSize(height, kernel: kernel, stride: stride, padding: padding)
        let wo = outputSize(width, kernel: kernel, stride: stride, padding: padding)
        var row = 0
        for c in 0..<channels {
            let plane = dx + c * height * width
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    let src = col + row * ho * wo
                    for oy in 0..<ho {
                        let iy = oy * stride + ky - padding
                        if iy < 0 || iy >= height { continue }
                        let d = plane + iy * width
                        let s = src + oy * wo
                        for ox in 0..<wo {
                            let ix = ox * stride + kx - padding
                            if ix >= 0 && ix < width { d[ix] += s[ox] }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}
