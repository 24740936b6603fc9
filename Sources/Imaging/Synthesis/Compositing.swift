import Foundation

/// A point in pixel coordinates (pixel centres at integers).
package typealias Point2 = (x: Double, y: Double)

extension Homography {
    /// The projective map that sends each `from[i]` to `to[i]` (4 points, no three collinear), solved as the
    /// usual 8×8 linear system with partial pivoting; nil when the points are degenerate.
    package static func mapping(from: [Point2], to: [Point2]) -> Homography? {
        precondition(from.count == 4 && to.count == 4)
        var a = [[Double]](repeating: [Double](repeating: 0, count: 9), count: 8)
        for i in 0..<4 {
            let (x, y) = from[i]
            let (u, v) = to[i]
            a[2 * i] = [x, y, 1, 0, 0, 0, -u * x, -u * y, u]
            a[2 * i + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y, v]
        }
        for col in 0..<8 {
            guard let pivot = (col..<8).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }), abs(a[pivot][col]) > 1e-12
            else { return nil }
            a.swapAt(col, pivot)
            for row in 0..<8 where row != col {
                let f = a[row][col] / a[col][col]
                if f != 0 { for k in col..<9 { a[row][k] -= f * a[col][k] } }
            }
        }
        var m = (0..<8).map { a[$0][8] / a[$0][$0] }
        m.append(1)
        return Homography(m)
    }

    package func apply(_ p: Point2) -> Point2 {
        let w = m[6] * p.x + m[7] * p.y + m[8]
        return ((m[0] * p.x + m[1] * p.y + m[2]) / w, (m[3] * p.x + m[4] * p.y + m[5]) / w)
    }
}

/// Area of a polygon (shoelace), positive for either winding.
package func polygonArea(_ p: [Point2]) -> Double {
    var s = 0.0
    for i in 0..<p.count {
        let j = (i + 1) % p.count
        s += p[i].x * p[j].y - p[j].x * p[i].y
    }
    return abs(s) / 2
}

extension FloatImage {
    /// The corners of this image's pixel area: top-left, top-right, bottom-right, bottom-left.
    package var corners: [Point2] {
        [
            (-0.5, -0.5), (Double(width) - 0.5, -0.5), (Double(width) - 0.5, Double(height) - 0.5),
            (-0.5, Double(height) - 0.5),
        ]
    }

    /// Draws `source` so that its corners land on `quad` (TL, TR, BR, BL) in this image, bilinear, blended
    /// by the source's alpha × `opacity`, edges antialiased by their distance in output pixels. `samples` > 1
    /// averages a `samples × samples` grid per output pixel (a camera pixel integrating over its area).
    ///
    /// `inset` columns on the left and right of `source` lie outside the quad: they are only read by the
    /// bilinear samples at the quad's edge, so pieces of one image drawn side by side (a bent page's strips)
    /// interpolate across their joins exactly as the whole image would.
    package mutating func draw(
        _ source: FloatImage, onto quad: [Point2], opacity: Float = 1, samples: Int = 1, inset: Int = 0,
        shade: ((Float, Float, Int, Float) -> Float)? = nil
    ) {
        let left = Double(inset) - 0.5
        let right = Double(source.width - inset) - 0.5
        let target: [Point2] = [
            (left, -0.5), (right, -0.5), (right, Double(source.height) - 0.5), (left, Double(source.height) - 0.5),
        ]
        guard let h = Homography.mapping(from: quad, to: target) else { return }
        let xs = quad.map(\.x)
        let ys = quad.map(\.y)
        let x0 = max(0, Int(floor(xs.min()!)))
        let x1 = min(width - 1, Int(ceil(xs.max()!)))
        let y0 = max(0, Int(floor(ys.min()!)))
        let y1 = min(height - 1, Int(ceil(ys.max()!)))
        guard x0 <= x1, y0 <= y1 else { return }
        let scale = Float((polygonArea(quad) / Double((source.width - 2 * inset) * source.height)).squareRoot())
        let lo = Float(inset)
        let sw = Float(source.width - inset)
        let sh = Float(source.height)
        let n = plane
        let m = h.m.map { Float($0) }
        let k = max(1, samples)
        let inv = 1 / Float(k * k)
        for y in y0...y1 {
            for x in x0...x1 {
                var acc: (Float, Float, Float) = (0, 0, 0)
                var cover: Float = 0
                for sy in 0..<k {
                    for sx in 0..<k {
                        let fx = Float(x) + (Float(sx) + 0.5) / Float(k) - 0.5
                        let fy = Float(y) + (Float(sy) + 0.5) / Float(k) - 0.5
                        let w = m[6] * fx + m[7] * fy + m[8]
                        let u = (m[0] * fx + m[1] * fy + m[2]) / w
                        let v = (m[3] * fx + m[4] * fy + m[5]) / w
                        let edge = min(u + 0.5 - lo, sw - 0.5 - u, v + 0.5, sh - 0.5 - v) * scale + 0.5
                        if edge <= 0 { continue }
                        let a = min(edge, 1) * source.sampleAlpha(u, v)
                        var r = source.sample(0, u, v)
                        var g = source.sample(1, u, v)
                        var b = source.sample(2, u, v)
                        if let shade {
                            r = shade(u, v, 0, r)
                            g = shade(u, v, 1, g)
                            b = shade(u, v, 2, b)
                        }
                        acc.0 += a * r
                        acc.1 += a * g
                        acc.2 += a * b
                        cover += a
                    }
                }
                if cover == 0 { continue }
                let alpha = cover * inv * opacity
                let i = y * width + x
                let scaleColour = opacity * inv
                planes[i] = planes[i] * (1 - alpha) + acc.0 * scaleColour
                planes[n + i] = planes[n + i] * (1 - alpha) + acc.1 * scaleColour
                planes[2 * n + i] = planes[2 * n + i] * (1 - alpha) + acc.2 * scaleColour
            }
        }
    }

    /// Fills the quad with a flat colour (antialiased edges).
    package mutating func fill(_ quad: [Point2], colour: (Float, Float, Float), opacity: Float = 1) {
        var flat = FloatImage(width: 2, height: 2, fill: colour)
        flat.alpha = []
        draw(flat, onto: quad, opacity: opacity)
    }

    /// Covers the whole image with `texture` repeated at `scale` output pixels per texture pixel, turned by
    /// `angle` radians (a desk, a table cloth, a wall).
    package mutating func tile(_ texture: FloatImage, scale: Float, angle: Float, offset: (Float, Float)) {
        let c = cos(angle) / scale
        let s = sin(angle) / scale
        let n = plane
        let tw = Float(texture.width)
        let th = Float(texture.height)
        for y in 0..<height {
            for x in 0..<width {
                var u = (Float(x) * c - Float(y) * s + offset.0).truncatingRemainder(dividingBy: tw)
                var v = (Float(x) * s + Float(y) * c + offset.1).truncatingRemainder(dividingBy: th)
                if u < 0 { u += tw }
                if v < 0 { v += th }
                let i = y * width + x
                for ch in 0..<3 { planes[ch * n + i] = texture.sample(ch, min(u, tw - 1), min(v, th - 1)) }
            }
        }
    }
}
