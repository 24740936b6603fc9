import Engine
import Foundation

extension CaptureSynthesizer {
    /// One to three fingers (or a thumb) reaching in from the frame edge nearest to `quad` and over the
    /// quad's edge by a little: a hand holding a page, a card or a phone. Skin tone, width, shading and a soft
    /// shadow vary; the fingers start outside the frame as a real hand's would.
    package func fingers(over quad: [Point2], in frame: inout FloatImage, rng: inout SeededGenerator) {
        let w = Double(frame.width)
        let h = Double(frame.height)
        let b = QuadPlacement.bounds(quad)
        // Frame edges by the distance between them and the quad: the nearest is where the hand is.
        let gaps = [b.0, w - b.2, b.1, h - b.3].map { max($0, 0) }
        let side = rng.chance(0.7) ? gaps.indices.min { gaps[$0] < gaps[$1] }! : Int(rng.next() % 4)
        let long = max(w, h)
        let tone = skinTone(rng: &rng)
        let count = rng.chance(0.3) ? 1 : Int(2 + rng.next() % 2)
        let width = long * rng.range(0.045, 0.085) * (count == 1 ? 1.3 : 1)
        let along = rng.range(0.2, 0.8)
        let reach = long * rng.range(0.03, 0.12)
        for k in 0..<count {
            let offset = (Double(k) - Double(count - 1) / 2) * width * 1.02
            // Base outside the frame, tip `reach` past the quad's edge on that side.
            let (base, tip): (Point2, Point2)
            switch side {
            case 0:
                let y = b.1 + (b.3 - b.1) * along + offset
                base = (-width, y + rng.range(-0.3, 0.3) * width)
                tip = (max(b.0, 0) + reach, y)
            case 1:
                let y = b.1 + (b.3 - b.1) * along + offset
                base = (w + width, y + rng.range(-0.3, 0.3) * width)
                tip = (min(b.2, w) - reach, y)
            case 2:
                let x = b.0 + (b.2 - b.0) * along + offset
                base = (x + rng.range(-0.3, 0.3) * width, -width)
                tip = (x, max(b.1, 0) + reach)
            default:
                let x = b.0 + (b.2 - b.0) * along + offset
                base = (x + rng.range(-0.3, 0.3) * width, h + width)
                tip = (x, min(b.3, h) - reach)
            }
            let fw = width * rng.range(0.85, 1.1)
            let sprite = fingerSprite(tone: tone, rng: &rng)
            let corners = capsuleQuad(base: base, tip: tip, width: fw)
            let shadowShift = (rng.range(-0.3, 0.3) * fw, rng.range(0.15, 0.5) * fw)
            var shadow = sprite
            shadow.planes = [Float](repeating: 0, count: 3 * sprite.plane)
            shadow.gaussianBlur(sigma: 2)
            frame.draw(
                shadow, onto: corners.map { ($0.x + shadowShift.0, $0.y + shadowShift.1) },
                opacity: rng.range(0.2, 0.45))
            frame.draw(sprite, onto: corners, samples: 2)
        }
    }

    /// A skin colour from light to dark, a little varied in hue.
    private func skinTone(rng: inout SeededGenerator) -> (Float, Float, Float) {
        let depth: Float = rng.range(0, 1)
        let r = 0.93 - 0.6 * depth
        let g = r * rng.range(0.72, 0.82)
        let b = g * rng.range(0.78, 0.9)
        return (r, g, b)
    }

    /// A finger seen from above: a capsule (rounded tip at the top), darker along its sides, a lighter nail.
    private func fingerSprite(tone: (Float, Float, Float), rng: inout SeededGenerator) -> FloatImage {
        let w = 24
        let h = 96
        var s = FloatImage(width: w, height: h)
        s.alpha = [Float](repeating: 0, count: w * h)
        let radius = Float(w) / 2
        let nail = rng.chance(0.7)
        for y in 0..<h {
            for x in 0..<w {
                let dx = Float(x) + 0.5 - radius
                let cy = max(radius - (Float(y) + 0.5), 0)
                let d = (dx * dx + cy * cy).squareRoot()
                let a = min(max(radius - d + 0.5, 0), 1)
                let across = dx / radius
                let shade = 1 - 0.45 * across * across
                var lift: Float = 0
                if nail && y > 3 && y < Int(radius * 1.6) && abs(across) < 0.55 { lift = 0.12 }
                let i = y * w + x
                s.alpha[i] = a
                s.planes[i] = tone.0 * shade + lift
                s.planes[w * h + i] = tone.1 * shade + lift
                s.planes[2 * w * h + i] = tone.2 * shade + lift
            }
        }
        return s
    }

    /// The four corners (TL, TR, BR, BL of the sprite: tip at the top) of a capsule from `base` to `tip`.
    private func capsuleQuad(base: Point2, tip: Point2, width: Double) -> [Point2] {
        let dx = tip.x - base.x
        let dy = tip.y - base.y
        let len = max((dx * dx + dy * dy).squareRoot(), 1e-6)
        let (ux, uy) = (dx / len, dy / len)
        let (px, py) = (-uy * width / 2, ux * width / 2)
        return [
            (tip.x - px, tip.y - py), (tip.x + px, tip.y + py), (base.x + px, base.y + py), (base.x - px, base.y - py),
        ]
    }
}
