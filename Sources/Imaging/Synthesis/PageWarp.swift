import Engine
import Foundation

/// The shape of a page that does not lie flat, as a height `z(t)` over its width (`t` from −1 at the left edge
/// to 1 at the right, heights in units of the page's longer side, towards the camera positive).
package enum PageWarp: String, CaseIterable, Sendable {
    case flat
    /// One edge curling up (a page off a roll, a receipt).
    case curl
    /// Folded once: a crease, the flap tilted.
    case fold
    /// An open book or a folded sheet: both halves rise from the middle.
    case spread
    /// A gentle wave (a page that was folded and opened, a letter out of an envelope).
    case wave

    /// A drawn instance: its parameters fixed for one capture.
    package struct Shape: Sendable {
        package var warp: PageWarp
        var amount: Double
        var position: Double
        var mirrored: Bool

        package init(warp: PageWarp, rng: inout SeededGenerator) {
            self.warp = warp
            amount = rng.range(0.04, 0.16)
            position = rng.range(-0.2, 0.5)
            mirrored = rng.chance(0.5)
        }

        package func z(_ t: Double) -> Double {
            let s = mirrored ? -t : t
            switch warp {
            case .flat: return 0
            case .curl:
                let from = position
                return s > from ? amount * pow((s - from) / (1 - from), 2) * 1.6 : 0
            case .fold: return s > position ? amount * (s - position) * 0.9 : 0
            case .spread: return amount * 0.8 * pow(abs(t), 0.6)
            case .wave: return amount * 0.35 * sin((s + position) * .pi * 1.5)
            }
        }
    }
}

/// One strip of a bent page: its quad, the share of the page's width it spans (`t0…t1` in −1…1) and the
/// shade at its left and right edges.
package typealias PageStrip = (quad: [Point2], t0: Double, t1: Double, shade: (Float, Float))

extension CaptureSynthesizer {
    /// Projects a page of half-size `hw × hh` bent by `shape` under `pose`: `strips` vertical strips, each a
    /// quad in the pose's normalised image coordinates, with the fraction of the page's width it spans and
    /// the shade at its left and right edges from the surface's slope there (turned from the light: darker),
    /// so that shading runs smoothly across the strips.
    package func warpedStrips(
        hw: Double, hh: Double, shape: PageWarp.Shape, pose: CapturePose, strips: Int, light: Double
    ) -> [PageStrip] {
        let ts = (0...strips).map { -1 + 2 * Double($0) / Double(strips) }
        let zs = ts.map { shape.z($0) * 2 * hw }
        let slopes = (0..<strips).map { k in (zs[k + 1] - zs[k]) / max((ts[k + 1] - ts[k]) * hw, 1e-9) }
        func shade(_ slope: Double) -> Float { Float(min(max(1 + light * slope * 0.8 - 0.15 * abs(slope), 0.55), 1.1)) }
        // Shade at each strip edge: the mean of the slopes on both sides of it.
        let edges = (0...strips).map { k in shade((slopes[max(k - 1, 0)] + slopes[min(k, strips - 1)]) / 2) }
        return (0..<strips).map { k in
            let (x0, x1) = (ts[k] * hw, ts[k + 1] * hw)
            let quad = [
                pose.project(x: x0, y: -hh, z: zs[k]), pose.project(x: x1, y: -hh, z: zs[k + 1]),
                pose.project(x: x1, y: hh, z: zs[k + 1]), pose.project(x: x0, y: hh, z: zs[k]),
            ]
            return (quad, ts[k], ts[k + 1], (edges[k], edges[k + 1]))
        }
    }

    /// Draws `page` over `strips` (already placed in the frame). Each strip covers a pixel beyond its own
    /// share of the page on both sides, so neighbouring strips overlap, and reads one more (`inset`), so that
    /// its samples at the join equal the neighbour's: no seam shows.
    package func drawStrips(
        _ page: FloatImage, strips: [PageStrip],
        in frame: inout FloatImage,
        samples: Int = 1
    ) {
        let pw = Double(page.width)
        for s in strips {
            let u0 = (s.t0 + 1) / 2 * pw
            let u1 = (s.t1 + 1) / 2 * pw
            // Whole columns c0…c1 around the strip's share, one more on each side read only by the samples.
            let c0 = max(0, Int(u0.rounded(.down)) - 1)
            let c1 = min(page.width, Int(u1.rounded(.up)) + 1)
            guard c1 > c0 else { continue }
            let e0 = max(0, c0 - 1)
            let e1 = min(page.width, c1 + 1)
            var piece = page.cropped(x: e0, y: 0, width: e1 - e0, height: page.height)
            // At the page's edges there is no column beyond: repeat the edge column (the border the bilinear
            // samples of a whole-page draw replicate).
            if c0 == e0 { piece = piece.cropped(x: 0, y: 0, width: 1, height: page.height).besides(piece) }
            if c1 == e1 {
                piece = piece.besides(piece.cropped(x: piece.width - 1, y: 0, width: 1, height: page.height))
            }
            // The strip's quad spans u0…u1; extend it linearly to the columns c0…c1.
            let a = (Double(c0) - u0) / max(u1 - u0, 1e-9)
            let b = (Double(c1) - u0) / max(u1 - u0, 1e-9)
            func lerp(_ p: Point2, _ q: Point2, _ t: Double) -> Point2 {
                (p.x + (q.x - p.x) * t, p.y + (q.y - p.y) * t)
            }
            let q = s.quad
            let quad = [lerp(q[0], q[1], a), lerp(q[0], q[1], b), lerp(q[3], q[2], b), lerp(q[3], q[2], a)]
            let (s0, s1) = s.shade
            if abs(s0 - 1) < 0.005 && abs(s1 - 1) < 0.005 {
                frame.draw(piece, onto: quad, samples: samples, inset: 1)
            } else {
                // Linear in the piece's column between the strip's edge shades.
                let origin = Float(u0) - Float(e0) + (c0 == e0 ? 1 : 0)
                let span = max(Float(u1 - u0), 1e-3)
                frame.draw(piece, onto: quad, samples: samples, inset: 1) { u, _, _, v in
                    let t = min(max((u - origin) / span, 0), 1)
                    return v * (s0 + (s1 - s0) * t)
                }
            }
        }
    }
}

extension FloatImage {
    /// This image and `other` (same height) side by side.
    func besides(_ other: FloatImage) -> FloatImage {
        var out = FloatImage(width: width + other.width, height: height)
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width { out.planes[c * out.plane + y * out.width + x] = planes[c * plane + y * width + x] }
                for x in 0..<other.width {
                    out.planes[c * out.plane + y * out.width + width + x] =
                        other.planes[c * other.plane + y * other.width + x]
                }
            }
        }
        return out
    }
}
