/// Pillow's `Image.resize(size, BILINEAR)` for 8-bit RGB: a separable triangle filter whose support
/// widens with the scale factor when shrinking (antialiasing), fixed-point coefficients with 22 fraction
/// bits, horizontal pass first with the intermediate rounded to 8 bits, then the vertical pass.
package enum Resize {
    private static let precisionBits = 32 - 8 - 2

    /// Per output index: first input index, tap count, and the fixed-point weights (ksize per row).
    private static func coefficients(inSize: Int, outSize: Int) -> (bounds: [(Int, Int)], ksize: Int, k: [Int32]) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 1.0 * filterScale  // bilinear filter support is 1
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds: [(Int, Int)] = []
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var row = [Double](repeating: 0, count: ksize)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1 / filterScale
            var xmin = Int(center - support + 0.5)  // truncation toward zero, like C's (int)
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            var ww = 0.0
            for x in 0..<xmax {
                let t = abs((Double(x + xmin) - center + 0.5) * ss)
                let w = t < 1 ? 1 - t : 0
                row[x] = w
                ww += w
            }
            for x in 0..<ksize {
                var w = x < xmax ? row[x] : 0
                if x < xmax && ww != 0 { w /= ww }
                let scaled = w * Double(1 << precisionBits)
                weights[xx * ksize + x] = Int32(
                    w < 0 ? (-0.5 + scaled).rounded(.towardZero) : (0.5 + scaled).rounded(.towardZero))
            }
            bounds.append((xmin, xmax))
        }
        return (bounds, ksize, weights)
    }

    @inline(__always)
    private static func clip8(_ v: Int32) -> UInt8 {
        let s = v >> Int32(precisionBits)
        return s < 0 ? 0 : (s > 255 ? 255 : UInt8(s))
    }

    /// Bilinear resize to `width × height`.
    package static func bilinear(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        precondition(width > 0 && height > 0, "resize to an empty size")
        if image.width == width && image.height == height { return image }
        let initial = Int32(1 << (precisionBits - 1))
        // Horizontal pass (only rows the vertical pass needs would be an optimisation; images are small).
        var horizontal = image
        if image.width != width {
            let (bounds, ksize, k) = coefficients(inSize: image.width, outSize: width)
            var out = [UInt8](repeating: 0, count: width * image.height * 3)
            image.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<image.height {
                        let srow = y * image.width * 3
                        let drow = y * width * 3
                        for xx in 0..<width {
                            let (xmin, n) = bounds[xx]
                            var r = initial
                            var g = initial
                            var b = initial
                            for x in 0..<n {
                                let w = k[xx * ksize + x]
                                let s = srow + 3 * (xmin + x)
                                r += Int32(src[s]) * w
                                g += Int32(src[s + 1]) * w
                                b += Int32(src[s + 2]) * w
                            }
                            dst[drow + 3 * xx] = clip8(r)
                            dst[drow + 3 * xx + 1] = clip8(g)
                            dst[drow + 3 * xx + 2] = clip8(b)
                        }
                    }
                }
            }
            horizontal = RGBImage(width: width, height: image.height, pixels: out)
        }
        guard horizontal.height != height else { return horizontal }
        let (bounds, ksize, k) = coefficients(inSize: horizontal.height, outSize: height)
        var out = [UInt8](repeating: 0, count: width * height * 3)
        horizontal.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let stride = width * 3
                for yy in 0..<height {
                    let (ymin, n) = bounds[yy]
                    for c in 0..<stride {
                        var acc = initial
                        for y in 0..<n { acc += Int32(src[(ymin + y) * stride + c]) * k[yy * ksize + y] }
                        dst[yy * stride + c] = clip8(acc)
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}
