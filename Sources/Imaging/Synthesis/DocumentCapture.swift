import Engine
import Foundation

/// How a document page is captured.
package enum DocumentView: String, CaseIterable, Sendable {
    /// Photographed with a phone: 3-D tilt, rotation, on a surface, the page covering 20–95 % of the frame.
    case photo
    /// A flatbed scan: straight, bright, even.
    case scan
    /// A photo cropped to the page like a text locator would crop it (each side jittered; for verification).
    case locatorCrop
}

extension CaptureSynthesizer {
    /// A document page captured as `view`. `page` is the rendered page (white paper, any size); `shape`, when
    /// given, is the page's usual bend (a receipt curls, a spread bows) and is used most of the time.
    package func document(
        page: FloatImage, view: DocumentView, surface: Surface, shape preferred: PageWarp? = nil,
        notes: inout CaptureNotes, rng: inout SeededGenerator
    ) -> FloatImage {
        if view == .scan { return scan(page: page, notes: &notes, rng: &rng) }
        var page = page
        var pose = randomPose(maxTilt: regime.maxTilt, rng: &rng)
        let warp: PageWarp
        if let preferred, rng.chance(0.8) {
            warp = preferred
        } else {
            warp = rng.chance(0.55) ? .flat : [PageWarp.curl, .fold, .wave, .curl][Int(rng.next() % 4)]
        }
        // Bends run across the page's width; a quarter turn of the page (undone by the roll) bends it the
        // other way.
        if warp != .flat && warp != .spread && rng.chance(0.4) {
            page = page.rotatedQuarter()
            pose.roll -= .pi / 2
        }
        let long = Double(max(page.width, page.height))
        let (hw, hh) = (Double(page.width) / long / 2, Double(page.height) / long / 2)
        let shape = PageWarp.Shape(warp: warp, rng: &rng)
        if warp != .flat { notes.tags.append(warp.rawValue) }
        var strips = warpedStrips(
            hw: hw, hh: hh, shape: shape, pose: pose, strips: warp == .flat ? 1 : 16, light: rng.range(-1, 1))
        let outline = [strips.first!.quad[0], strips.last!.quad[1], strips.last!.quad[2], strips.first!.quad[3]]
        let all = strips.flatMap(\.quad)
        let upright = abs(sin(pose.roll)) > 0.7 ? page.width >= page.height : page.height >= page.width
        let portrait = rng.chance(0.6) ? upright : rng.chance(0.5)
        var (w, h) = sizes.draw(portrait: portrait, rng: &rng)
        var placed: [[Point2]]
        if view == .locatorCrop {
            let b = QuadPlacement.bounds(all)
            let (bw, bh) = (b.2 - b.0, b.3 - b.1)
            (w, h) = sizes.draw(portrait: bh > bw, rng: &rng)
            let jitter = { (r: inout SeededGenerator) -> Double in r.range(-0.03, 0.07) }
            let box = (
                b.0 - jitter(&rng) * bw, b.1 - jitter(&rng) * bh, b.2 + jitter(&rng) * bw, b.3 + jitter(&rng) * bh
            )
            placed = QuadPlacement.crop([outline] + strips.map(\.quad), box: box, width: w, height: h)
            notes.fill = 1
        } else {
            let fill = regime.pageFill(rng: &rng)
            let slack = (1 - min(fill, 1).squareRoot()) / 2
            placed = QuadPlacement.place(
                [outline] + strips.map(\.quad), width: w, height: h, fill: fill,
                offset: (rng.range(-slack, slack) * 0.9, rng.range(-slack, slack) * 0.9))
            notes.fill = fill
        }
        for k in strips.indices { strips[k].quad = placed[k + 1] }
        var frame = background(surface, width: w, height: h, rng: &rng)
        frame.fill(
            placed[0].map { ($0.x + rng.range(0.5, 2.5), $0.y + rng.range(0.5, 3)) }, colour: (0, 0, 0),
            opacity: rng.range(0.15, 0.4))
        let b = QuadPlacement.bounds(placed[0])
        let sheet = paperTone(page.fitting(longSide: max(16, Int(max(b.2 - b.0, b.3 - b.1) * 1.4))), rng: &rng)
        drawStrips(sheet, strips: strips, in: &frame, samples: 2)
        if rng.chance(view == .photo ? 0.25 : 0.1) {
            fingers(over: placed[0], in: &frame, rng: &rng)
            notes.tags.append("fingers")
        }
        if rng.chance(0.35) {
            frame.castShadow(
                cx: rng.range(0.1, 0.9), cy: rng.range(0.1, 0.9), angle: rng.range(0, 2 * Float.pi),
                spread: rng.range(0.15, 0.6), strength: rng.range(0.2, 0.55), softness: rng.range(2, 14))
        }
        camera(&frame, hotspot: 0.45, notes: &notes, rng: &rng)
        return frame
    }

    /// A flatbed scan: straight, bright, even, sometimes grey.
    private func scan(page: FloatImage, notes: inout CaptureNotes, rng: inout SeededGenerator) -> FloatImage {
        let long = Double(max(page.width, page.height))
        let (hw, hh) = (Double(page.width) / long / 2, Double(page.height) / long / 2)
        let (w, h) = sizes.draw(portrait: page.height >= page.width, rng: &rng)
        var frame = FloatImage(width: w, height: h, fill: uniformGrey(rng.range(0.88, 1.0), tint: 0.02, rng: &rng))
        let pose = CapturePose(roll: rng.range(-1.5, 1.5) * Double.pi / 180)
        let fill = rng.range(0.6, 0.97)
        let quad = QuadPlacement.place(
            [pose.project(x0: -hw, y0: -hh, x1: hw, y1: hh)], width: w, height: h, fill: fill,
            offset: (rng.range(-0.02, 0.02), rng.range(-0.02, 0.02)))[0]
        notes.fill = fill
        let b = QuadPlacement.bounds(quad)
        let sheet = paperTone(page.fitting(longSide: max(16, Int(max(b.2 - b.0, b.3 - b.1) * 1.4))), rng: &rng)
        frame.draw(sheet, onto: quad, samples: 2)
        if rng.chance(0.4) { frame.makeGrey() }
        frame.gaussianBlur(sigma: rng.range(0.2, 0.7))
        frame.tone(
            gains: (1, 1, 1), exposure: rng.range(0.98, 1.08), gamma: rng.range(0.9, 1.1),
            contrast: rng.range(1.0, 1.15))
        frame.addNoise(shot: rng.range(0, 0.01), read: rng.range(0.001, 0.006), rng: &rng)
        return frame
    }

    /// Paper tone (white to cream or grey) and faded ink.
    func paperTone(_ page: FloatImage, rng: inout SeededGenerator) -> FloatImage {
        var sheet = page
        let warm = rng.range(Float(-0.06), 0.06)
        let paper = 1 - rng.range(Float(0), 0.1)
        let gains: [Float] = [paper * (1 + warm * 0.5), paper, paper * (1 - warm)]
        let ink = 1 - rng.range(Float(0), 0.25)  // faded toner lifts the blacks
        let n = sheet.plane
        for c in 0..<3 {
            for i in 0..<n { sheet.planes[c * n + i] = (1 - (1 - sheet.planes[c * n + i]) * ink) * gains[c] }
        }
        return sheet
    }
}
