import Engine
import Foundation

/// Document pieces cut or assembled from rendered pages, each its own identity in the data set.
extension FloatImage {
    /// Fraction of pixels darker than 0.75 in any channel: about 0 for a blank page.
    package func inkFraction() -> Double {
        let n = plane
        var ink = 0
        for i in 0..<n where planes[i] < 0.75 || planes[n + i] < 0.75 || planes[2 * n + i] < 0.75 { ink += 1 }
        return Double(ink) / Double(max(n, 1))
    }

    /// A card-shaped window of a page: width / height from `aspect` (cards, tickets, labels, business cards;
    /// below 1 a portrait card), at a position fixed by the generator.
    package func cardCrop(aspect: Double, rng: inout SeededGenerator) -> FloatImage {
        var cw = Double(width) * rng.range(0.4, 0.85)
        var ch = cw / aspect
        if ch > Double(height) * 0.9 {
            ch = Double(height) * 0.9
            cw = ch * aspect
        }
        let x = Int(rng.range(0, max(0, Double(width) - cw)))
        let y = Int(rng.range(0, max(0, Double(height) - ch)))
        var card = cropped(x: x, y: y, width: max(8, Int(cw)), height: max(8, Int(ch)))
        if rng.chance(0.4) {  // printed on coloured card stock
            let tint: [Float] = [rng.range(0.75, 1), rng.range(0.75, 1), rng.range(0.75, 1)]
            let n = card.plane
            for c in 0..<3 { for i in 0..<n { card.planes[c * n + i] *= tint[c] } }
        }
        return card
    }

    /// A receipt: a long narrow column of a page (width / height 0.22–0.42) on greyish thermal paper with
    /// faded print.
    package func receiptCrop(rng: inout SeededGenerator) -> FloatImage {
        let aspect = rng.range(0.22, 0.42)
        let ch = Double(height) * rng.range(0.6, 1)
        let cw = min(Double(width) * 0.9, ch * aspect)
        let x = Int(rng.range(0, max(0, Double(width) - cw)))
        let y = Int(rng.range(0, max(0, Double(height) - ch)))
        var r = cropped(x: x, y: y, width: max(8, Int(cw)), height: max(8, Int(ch)))
        r.makeGrey()
        let paper = rng.range(Float(0.86), 0.97)
        let ink = rng.range(Float(0.45), 0.85)
        for i in r.planes.indices { r.planes[i] = paper * (1 - (1 - r.planes[i]) * ink) }
        return r
    }

    /// Two pages side by side (`self` on the left), their heights matched, with the shading of the gutter.
    package func spread(with right: FloatImage, rng: inout SeededGenerator) -> FloatImage {
        let h = min(height, right.height)
        let l = resized(width: max(8, width * h / height), height: h)
        let r = right.resized(width: max(8, right.width * h / right.height), height: h)
        var out = FloatImage(width: l.width + r.width, height: h)
        let n = out.plane
        for c in 0..<3 {
            for y in 0..<h {
                for x in 0..<l.width { out.planes[c * n + y * out.width + x] = l.planes[c * l.plane + y * l.width + x] }
                for x in 0..<r.width {
                    out.planes[c * n + y * out.width + l.width + x] = r.planes[c * r.plane + y * r.width + x]
                }
            }
        }
        let gutter = Float(out.width) * rng.range(0.03, 0.08)
        let depth = rng.range(Float(0.25), 0.55)
        let mid = Float(l.width)
        for x in 0..<out.width {
            let d = abs(Float(x) - mid) / gutter
            if d >= 3 { continue }
            let f = 1 - depth * exp(-d * d)
            for c in 0..<3 { for y in 0..<h { out.planes[c * n + y * out.width + x] *= f } }
        }
        return out
    }

    /// The image turned a quarter turn clockwise.
    package func rotatedQuarter() -> FloatImage {
        var out = FloatImage(width: height, height: width)
        let n = plane
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width { out.planes[c * n + x * height + (height - 1 - y)] = planes[c * n + y * width + x] }
            }
        }
        if !alpha.isEmpty {
            out.alpha = [Float](repeating: 0, count: n)
            for y in 0..<height {
                for x in 0..<width { out.alpha[x * height + (height - 1 - y)] = alpha[y * width + x] }
            }
        }
        return out
    }
}
