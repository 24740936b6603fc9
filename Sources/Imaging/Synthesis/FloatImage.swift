import Foundation

/// A planar RGB image of floats in 0…1 (light intensity as the sensor would record it before tone mapping),
/// optionally with an alpha plane: the canvas every synthesis step draws on.
package struct FloatImage: Sendable {
    package let width: Int
    package let height: Int
    /// R plane, then G, then B; each `width × height`, row-major.
    package var planes: [Float]
    /// Coverage 0…1 per pixel, or empty when the image is opaque.
    package var alpha: [Float]

    package var plane: Int { width * height }

    package init(width: Int, height: Int, fill: (Float, Float, Float) = (0, 0, 0)) {
        self.width = width
        self.height = height
        let n = width * height
        planes =
            [Float](repeating: fill.0, count: n) + [Float](repeating: fill.1, count: n)
            + [Float](repeating: fill.2, count: n)
        alpha = []
    }

    package init(_ image: RGBImage, alpha: [UInt8]? = nil) {
        width = image.width
        height = image.height
        let n = width * height
        var p = [Float](repeating: 0, count: 3 * n)
        image.pixels.withUnsafeBufferPointer { px in
            for i in 0..<n { for c in 0..<3 { p[c * n + i] = Float(px[3 * i + c]) * (1 / 255) } }
        }
        planes = p
        self.alpha = alpha.map { $0.map { Float($0) * (1 / 255) } } ?? []
    }

    /// Rounds to 8-bit RGB, clipping to 0…1.
    package func rgb8() -> RGBImage {
        let n = plane
        var out = [UInt8](repeating: 0, count: 3 * n)
        planes.withUnsafeBufferPointer { p in
            for i in 0..<n { for c in 0..<3 { out[3 * i + c] = UInt8(min(max(p[c * n + i] * 255, 0), 255).rounded()) } }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// Bilinear sample of channel `c` at continuous pixel coordinates (pixel centres at integers), border
    /// replicated.
    @inline(__always)
    package func sample(_ c: Int, _ x: Float, _ y: Float) -> Float {
        let sx = min(max(x, 0), Float(width - 1))
        let sy = min(max(y, 0), Float(height - 1))
        let x0 = Int(sx)
        let y0 = Int(sy)
        let x1 = min(x0 + 1, width - 1)
        let y1 = min(y0 + 1, height - 1)
        let ax = sx - Float(x0)
        let ay = sy - Float(y0)
        let base = c * plane
        let top = planes[base + y0 * width + x0] * (1 - ax) + planes[base + y0 * width + x1] * ax
        let bottom = planes[base + y1 * width + x0] * (1 - ax) + planes[base + y1 * width + x1] * ax
        return top * (1 - ay) + bottom * ay
    }

    @inline(__always)
    package func sampleAlpha(_ x: Float, _ y: Float) -> Float {
        if alpha.isEmpty { return 1 }
        let sx = min(max(x, 0), Float(width - 1))
        let sy = min(max(y, 0), Float(height - 1))
        let x0 = Int(sx)
        let y0 = Int(sy)
        let x1 = min(x0 + 1, width - 1)
        let y1 = min(y0 + 1, height - 1)
        let ax = sx - Float(x0)
        let ay = sy - Float(y0)
        let top = alpha[y0 * width + x0] * (1 - ax) + alpha[y0 * width + x1] * ax
        let bottom = alpha[y1 * width + x0] * (1 - ax) + alpha[y1 * width + x1] * ax
        return top * (1 - ay) + bottom * ay
    }

    /// Area-correct downscale / bilinear upscale to a new size (Pillow-style triangle filter through the
    /// 8-bit resizer for colour; alpha follows with the same geometry).
    package func resized(width w: Int, height h: Int) -> FloatImage {
        var out = FloatImage(rgb8().resizedRGB(width: w, height: h))
        if !alpha.isEmpty {
            var a8 = [UInt8](repeating: 0, count: 3 * plane)
            for i in 0..<plane {
                let v = UInt8(min(max(alpha[i] * 255, 0), 255).rounded())
                a8[3 * i] = v
                a8[3 * i + 1] = v
                a8[3 * i + 2] = v
            }
            let r = Resize.bilinear(RGBImage(width: width, height: height, pixels: a8), width: w, height: h)
            out.alpha = (0..<(w * h)).map { Float(r.pixels[3 * $0]) / 255 }
        }
        return out
    }

    /// Scales so the longer side is at most `side` (never enlarges).
    package func fitting(longSide side: Int) -> FloatImage {
        let long = max(width, height)
        guard long > side else { return self }
        let s = Double(side) / Double(long)
        return resized(
            width: max(1, Int((Double(width) * s).rounded())), height: max(1, Int((Double(height) * s).rounded())))
    }

    /// The pixels inside `x, y, w, h` (clamped to the image).
    package func cropped(x: Int, y: Int, width w: Int, height h: Int) -> FloatImage {
        let x0 = min(max(x, 0), width - 1)
        let y0 = min(max(y, 0), height - 1)
        let cw = max(1, min(w, width - x0))
        let ch = max(1, min(h, height - y0))
        var out = FloatImage(width: cw, height: ch)
        for c in 0..<3 {
            for yy in 0..<ch {
                for xx in 0..<cw {
                    out.planes[c * cw * ch + yy * cw + xx] = planes[c * plane + (y0 + yy) * width + x0 + xx]
                }
            }
        }
        if !alpha.isEmpty {
            out.alpha = [Float](repeating: 0, count: cw * ch)
            for yy in 0..<ch { for xx in 0..<cw { out.alpha[yy * cw + xx] = alpha[(y0 + yy) * width + x0 + xx] } }
        }
        return out
    }
}

extension RGBImage {
    /// Pillow-exact bilinear resize (see `Resize.bilinear`).
    package func resizedRGB(width w: Int, height h: Int) -> RGBImage {
        (w == width && h == height) ? self : Resize.bilinear(self, width: w, height: h)
    }
}
