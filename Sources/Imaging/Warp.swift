import Foundation

/// A projective map (3×3, row-major) from output pixel coordinates to source pixel coordinates.
package struct Homography: Equatable, Sendable {
    package var m: [Double]

    package init(_ m: [Double]) {
        precondition(m.count == 9)
        self.m = m
    }
    package static let identity = Homography([1, 0, 0, 0, 1, 0, 0, 0, 1])

    /// self ∘ other: apply `other` first.
    package func after(_ other: Homography) -> Homography {
        var r = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { r[i * 3 + j] += m[i * 3 + k] * other.m[k * 3 + j] } } }
        return Homography(r)
    }

    package static func translation(_ x: Double, _ y: Double) -> Homography { Homography([1, 0, x, 0, 1, y, 0, 0, 1]) }
    package static func scaling(_ sx: Double, _ sy: Double) -> Homography { Homography([sx, 0, 0, 0, sy, 0, 0, 0, 1]) }
    package static func rotation(_ radians: Double) -> Homography {
        let c = cos(radians)
        let s = sin(radians)
        return Homography([c, -s, 0, s, c, 0, 0, 0, 1])
    }
}

/// Resampling an RGB8 image through a homography into float planes.
package enum Warp {
    /// Writes 3 planes (R, G, B) of `width × height` floats in 0…255 to `destination`: bilinear samples of
    /// `source` at `h(x, y)` for each output pixel centre, the border replicated.
    package static func warp(
        _ source: RGBImage, _ h: Homography, width: Int, height: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        let m = h.m
        let sw = source.width
        let sh = source.height
        let plane = width * height
        source.pixels.withUnsafeBufferPointer { px in
            for y in 0..<height {
                for x in 0..<width {
                    let fx = Double(x)
                    let fy = Double(y)
                    let w = m[6] * fx + m[7] * fy + m[8]
                    var sx = (m[0] * fx + m[1] * fy + m[2]) / w
                    var sy = (m[3] * fx + m[4] * fy + m[5]) / w
                    sx = min(max(sx, 0), Double(sw - 1))
                    sy = min(max(sy, 0), Double(sh - 1))
                    let x0 = Int(sx)
                    let y0 = Int(sy)
                    let x1 = min(x0 + 1, sw - 1)
                    let y1 = min(y0 + 1, sh - 1)
                    let ax = Float(sx - Double(x0))
                    let ay = Float(sy - Double(y0))
                    let i00 = 3 * (y0 * sw + x0)
                    let i01 = 3 * (y0 * sw + x1)
                    let i10 = 3 * (y1 * sw + x0)
                    let i11 = 3 * (y1 * sw + x1)
                    let o = y * width + x
                    for c in 0..<3 {
                        let top = Float(px[i00 + c]) * (1 - ax) + Float(px[i01 + c]) * ax
                        let bottom = Float(px[i10 + c]) * (1 - ax) + Float(px[i11 + c]) * ax
                        destination[c * plane + o] = top * (1 - ay) + bottom * ay
                    }
                }
            }
        }
    }
}
