import Engine
import Foundation

extension CaptureSynthesizer {
    /// A photograph re-captured: a random crop, slightly turned and tilted; `signText`, when given, is put
    /// into the scene as a sign or label (text in a photo is still not a document).
    package func photo(
        _ photo: FloatImage, signText: FloatImage? = nil, notes: inout CaptureNotes, rng: inout SeededGenerator
    ) -> FloatImage {
        let (w, h) = sizes.draw(portrait: rng.chance(0.35), rng: &rng)
        var frame = FloatImage(width: w, height: h)
        let zoom = rng.range(1.0, 2.2)
        let pose = randomPose(maxTilt: 12, rng: &rng)
        let aspect = Double(photo.width) / Double(photo.height)
        let frameAspect = Double(w) / Double(h)
        let (hw, hh) = aspect > frameAspect ? (aspect / frameAspect / 2, 0.5) : (0.5, frameAspect / aspect / 2)
        let quad = QuadPlacement.place(
            [pose.project(x0: -hw, y0: -hh, x1: hw, y1: hh)], width: w, height: h,
            fill: 4 * hw * hh * zoom * zoom * 1.15, offset: (rng.range(-0.1, 0.1), rng.range(-0.1, 0.1)))[0]
        let b = QuadPlacement.bounds(quad)
        frame.draw(photo.fitting(longSide: Int(max(b.2 - b.0, b.3 - b.1) * 1.3)), onto: quad, samples: 2)
        notes.fill = 1
        if let signText {
            sign(signText, in: &frame, rng: &rng)
            notes.tags.append("sign")
        }
        if rng.chance(0.08) {
            fingers(over: quad, in: &frame, rng: &rng)
            notes.tags.append("fingers")
        }
        camera(&frame, hotspot: 0.2, notes: &notes, rng: &rng)
        return frame
    }

    /// A sign, label or package print in the scene: a few lines of text recoloured onto a coloured board, in
    /// perspective, covering 4–25 % of the frame.
    private func sign(_ text: FloatImage, in frame: inout FloatImage, rng: inout SeededGenerator) {
        var board = text
        let dark = rng.chance(0.5)
        let ground: [Float] =
            dark
            ? [rng.range(0, 0.5), rng.range(0, 0.5), rng.range(0, 0.5)]
            : [rng.range(0.7, 1), rng.range(0.7, 1), rng.range(0.6, 1)]
        let ink: [Float] =
            dark
            ? [rng.range(0.85, 1), rng.range(0.85, 1), rng.range(0.7, 1)]
            : [rng.range(0, 0.4), rng.range(0, 0.3), rng.range(0, 0.4)]
        board.makeGrey()
        let n = board.plane
        for c in 0..<3 {
            for i in 0..<n {
                let v = board.planes[c * n + i]
                board.planes[c * n + i] = ground[c] * v + ink[c] * (1 - v)
            }
        }
        let long = Double(max(board.width, board.height))
        let (hw, hh) = (Double(board.width) / long / 2, Double(board.height) / long / 2)
        let pose = randomPose(maxTilt: 40, rng: &rng)
        let fill = rng.range(0.04, 0.25)
        let slack = (1 - fill.squareRoot()) / 2
        let quad = QuadPlacement.place(
            [pose.project(x0: -hw, y0: -hh, x1: hw, y1: hh)], width: frame.width, height: frame.height, fill: fill,
            offset: (rng.range(-slack, slack), rng.range(-slack, slack)))[0]
        let b = QuadPlacement.bounds(quad)
        let edge = rng.range(Float(0.1), 0.9)
        frame.fill(
            quad.map { ($0.x + (($0.x - (b.0 + b.2) / 2) * 0.06), $0.y + (($0.y - (b.1 + b.3) / 2) * 0.08)) },
            colour: (edge, edge, edge))
        frame.draw(board.fitting(longSide: Int(max(b.2 - b.0, b.3 - b.1) * 1.4) + 1), onto: quad, samples: 2)
    }

    /// A picture (photo print or painting) in a frame on a wall or shelf: a hard negative for screens seen
    /// from afar (no glow, no pixel grid, a wood, metal or white frame).
    package func framedPicture(
        _ photo: FloatImage, wall: Surface, notes: inout CaptureNotes, rng: inout SeededGenerator
    ) -> FloatImage {
        let (w, h) = sizes.draw(portrait: rng.chance(0.35), rng: &rng)
        var frame = background(wall, width: w, height: h, rng: &rng)
        let aspect = Double(photo.width) / Double(photo.height)
        let (hw, hh) = aspect >= 1 ? (0.5, 0.5 / aspect) : (0.5 * aspect, 0.5)
        let border = rng.range(0.02, 0.08)
        let mat = rng.chance(0.4) ? rng.range(0.03, 0.1) : 0
        let pose = randomPose(maxTilt: 30, rng: &rng)
        let fill = rng.range(0.15, 0.8)
        let slack = (1 - fill.squareRoot()) / 2
        let quads = QuadPlacement.place(
            [
                pose.project(x0: -hw, y0: -hh, x1: hw, y1: hh),
                pose.project(x0: -hw - mat, y0: -hh - mat, x1: hw + mat, y1: hh + mat),
                pose.project(
                    x0: -hw - mat - border, y0: -hh - mat - border, x1: hw + mat + border, y1: hh + mat + border),
            ], width: w, height: h, fill: fill, offset: (rng.range(-slack, slack), rng.range(-slack, slack)))
        notes.fill = fill
        let wood: (Float, Float, Float) =
            rng.chance(0.5)
            ? (rng.range(0.3, 0.6), rng.range(0.18, 0.4), rng.range(0.08, 0.25))
            : uniformGrey(rng.chance(0.5) ? rng.range(0.02, 0.15) : rng.range(0.75, 0.95), tint: 0.03, rng: &rng)
        frame.fill(quads[2].map { ($0.x + 2, $0.y + 3) }, colour: (0, 0, 0), opacity: 0.3)
        frame.fill(quads[2], colour: wood)
        frame.fill(quads[1], colour: uniformGrey(rng.range(0.85, 0.97), tint: 0.02, rng: &rng))
        let b = QuadPlacement.bounds(quads[0])
        frame.draw(photo.fitting(longSide: Int(max(b.2 - b.0, b.3 - b.1) * 1.3) + 1), onto: quads[0], samples: 2)
        camera(&frame, hotspot: 0.3, notes: &notes, rng: &rng)
        return frame
    }

    /// Cut-out objects (with alpha) lying on a surface, each with its soft shadow.
    package func object(
        _ objects: [FloatImage], surface: Surface, notes: inout CaptureNotes, rng: inout SeededGenerator
    ) -> FloatImage {
        let (w, h) = sizes.draw(portrait: rng.chance(0.4), rng: &rng)
        var frame = background(surface, width: w, height: h, rng: &rng)
        var covered = 0.0
        for object in objects {
            let ow = Double(object.width)
            let oh = Double(object.height)
            let long = max(ow, oh)
            let pose = randomPose(maxTilt: 25, rng: &rng)
            let fill = objects.count == 1 ? rng.range(0.12, 0.55) : rng.range(0.06, 0.25)
            covered += fill
            let slack = (1 - fill.squareRoot()) / 2
            let quad = QuadPlacement.place(
                [pose.project(x0: -ow / long / 2, y0: -oh / long / 2, x1: ow / long / 2, y1: oh / long / 2)],
                width: w, height: h, fill: fill, offset: (rng.range(-slack, slack), rng.range(-slack, slack)))[0]
            let b = QuadPlacement.bounds(quad)
            let sprite = object.fitting(longSide: Int(max(b.2 - b.0, b.3 - b.1) * 1.3) + 1)
            var shadow = sprite
            shadow.planes = [Float](repeating: 0, count: 3 * sprite.plane)
            shadow.gaussianBlur(sigma: rng.range(1, 4))
            let (dx, dy) = (rng.range(-6, 6), rng.range(1, 8))
            frame.draw(shadow, onto: quad.map { ($0.x + dx, $0.y + dy) }, opacity: rng.range(0.25, 0.55))
            frame.draw(sprite, onto: quad, samples: 2)
        }
        notes.fill = covered
        if rng.chance(0.25) {
            frame.castShadow(
                cx: rng.range(0.1, 0.9), cy: rng.range(0.1, 0.9), angle: rng.range(0, 2 * Float.pi),
                spread: rng.range(0.15, 0.6), strength: rng.range(0.2, 0.5), softness: rng.range(2, 14))
        }
        camera(&frame, hotspot: 0.35, notes: &notes, rng: &rng)
        return frame
    }

    /// A bare surface (a desk, a wall, a floor) filling the frame.
    package func texture(_ surface: Surface, notes: inout CaptureNotes, rng: inout SeededGenerator) -> FloatImage {
        let (w, h) = sizes.draw(portrait: rng.chance(0.4), rng: &rng)
        var frame = background(surface, width: w, height: h, rng: &rng)
        notes.fill = 1
        camera(&frame, hotspot: 0.3, notes: &notes, rng: &rng)
        return frame
    }
}
