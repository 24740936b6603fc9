import Engine
import Foundation

/// What lies under or behind the subject: a texture repeated over the frame or a photo seen out of focus.
package struct Surface: Sendable {
    package var image: FloatImage
    package var tiles: Bool

    package init(image: FloatImage, tiles: Bool) {
        self.image = image
        self.tiles = tiles
    }
}

/// How a document page is captured.
package enum DocumentView: String, CaseIterable, Sendable {
    /// Photographed with a phone: 3-D tilt, rotation, on a surface, page filling 40–95 % of the frame.
    case photo
    /// A flatbed scan: straight, bright, even.
    case scan
    /// A photo cropped to the page like a text locator would crop it (for verification).
    case locatorCrop
}

/// Renders synthetic captures (document photos and scans, screens photographed, photos and objects) with
/// the camera effects of a phone. Every random choice comes from the generator passed in, so a capture is
/// the same for a seed on any thread.
package struct CaptureSynthesizer: Sendable {
    /// The longer side of a capture; the other side is ¾ of it (4:3, like a phone camera).
    package var longSide: Int

    package init(longSide: Int = 256) { self.longSide = longSide }

    package func frameSize(portrait: Bool) -> (width: Int, height: Int) {
        let short = longSide * 3 / 4
        return portrait ? (short, longSide) : (longSide, short)
    }

    // MARK: documents

    /// A document page captured as `view`. `page` is the rendered page (white paper, any size).
    package func document(
        page: FloatImage, view: DocumentView, surface: Surface, rng: inout SeededGenerator
    ) -> FloatImage {
        let pw = Double(page.width)
        let ph = Double(page.height)
        let long = max(pw, ph)
        let (hw, hh) = (pw / long / 2, ph / long / 2)
        if view == .scan {
            let (w, h) = frameSize(portrait: ph >= pw)
            var frame = FloatImage(width: w, height: h, fill: uniformGrey(rng.range(0.88, 1.0), tint: 0.02, rng: &rng))
            let pose = CapturePose(roll: rng.range(-1.5, 1.5) * Double.pi / 180)
            let quad = QuadPlacement.place(
                [pose.project(x0: -hw, y0: -hh, x1: hw, y1: hh)], width: w, height: h,
                fill: rng.range(0.85, 0.97), offset: (rng.range(-0.02, 0.02), rng.range(-0.02, 0.02)))[0]
            drawPage(page, onto: quad, in: &frame, toneStrength: 0.3, rng: &rng)
            if rng.chance(0.4) { frame.makeGrey() }
            frame.gaussianBlur(sigma: rng.range(0.2, 0.7))
            frame.tone(
                gains: (1, 1, 1), exposure: rng.range(0.98, 1.08), gamma: rng.range(0.9, 1.1),
                contrast: rng.range(1.0, 1.15))
            frame.addNoise(shot: rng.range(0, 0.01), read: rng.range(0.001, 0.006), rng: &rng)
            return frame
        }
        let pose = randomPose(maxTilt: 35, rng: &rng)
        var quad = pose.project(x0: -hw, y0: -hh, x1: hw, y1: hh)
        let portrait = rng.chance(0.5) ? ph >= pw : rng.chance(0.5)
        var (w, h) = frameSize(portrait: portrait)
        if view == .locatorCrop {
            let b = QuadPlacement.bounds(quad)
            let margin = rng.range(0, 0.06)
            let (bw, bh) = (b.2 - b.0, b.3 - b.1)
            (w, h) = frameSize(portrait: bh > bw)
            quad =
                QuadPlacement.crop(
                    [quad], box: (b.0 - margin * bw, b.1 - margin * bh, b.2 + margin * bw, b.3 + margin * bh),
                    width: w, height: h)[0]
        } else {
            let fill = rng.range(0.4, 0.95)
            let slack = (1 - fill.squareRoot()) / 2
            quad =
                QuadPlacement.place(
                    [quad], width: w, height: h, fill: fill,
                    offset: (rng.range(-slack, slack) * 0.8, rng.range(-slack, slack) * 0.8))[0]
        }
        var frame = background(surface, width: w, height: h, rng: &rng)
        frame.fill(
            quad.map { ($0.x + rng.range(0.5, 2.5), $0.y + rng.range(0.5, 3)) }, colour: (0, 0, 0),
            opacity: rng.range(0.15, 0.4))
        drawPage(page, onto: quad, in: &frame, toneStrength: 1, rng: &rng)
        if rng.chance(0.35) {
            frame.castShadow(
                cx: rng.range(0.1, 0.9), cy: rng.range(0.1, 0.9), angle: rng.range(0, 2 * Float.pi),
                spread: rng.range(0.15, 0.6), strength: rng.range(0.2, 0.55), softness: rng.range(2, 14))
        }
        camera(&frame, hotspot: 0.45, rng: &rng)
        return frame
    }

    /// Paper tone and ink fade, then the page drawn into its quad.
    private func drawPage(
        _ page: FloatImage, onto quad: [Point2], in frame: inout FloatImage, toneStrength: Float,
        rng: inout SeededGenerator
    ) {
        let side = QuadPlacement.bounds(quad)
        let extent = Int((max(side.2 - side.0, side.3 - side.1) * 1.4).rounded(.up))
        var sheet = page.fitting(longSide: max(extent, 16))
        let warm = rng.range(-0.06, 0.06) * toneStrength
        let paper = 1 - rng.range(0, 0.08) * toneStrength
        let gains: (Float, Float, Float) = (paper * (1 + warm * 0.5), paper, paper * (1 - warm))
        let ink = 1 - rng.range(0, 0.25) * toneStrength  // faded toner lifts the blacks
        let n = sheet.plane
        let g = [gains.0, gains.1, gains.2]
        for c in 0..<3 { for i in 0..<n { sheet.planes[c * n + i] = (1 - (1 - sheet.planes[c * n + i]) * ink) * g[c] } }
        frame.draw(sheet, onto: quad, samples: 2)
    }

    // MARK: not a document

    /// A photograph re-captured: a random crop, slightly turned and tilted.
    package func photo(_ photo: FloatImage, rng: inout SeededGenerator) -> FloatImage {
        let (w, h) = frameSize(portrait: rng.chance(0.3))
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
        camera(&frame, hotspot: 0.2, rng: &rng)
        return frame
    }

    /// A cut-out object (with alpha) lying on a surface, with its soft shadow.
    package func object(_ object: FloatImage, surface: Surface, rng: inout SeededGenerator) -> FloatImage {
        let (w, h) = frameSize(portrait: rng.chance(0.4))
        var frame = background(surface, width: w, height: h, rng: &rng)
        let ow = Double(object.width)
        let oh = Double(object.height)
        let long = max(ow, oh)
        let pose = randomPose(maxTilt: 25, rng: &rng)
        let fill = rng.range(0.12, 0.55)
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
        if rng.chance(0.25) {
            frame.castShadow(
                cx: rng.range(0.1, 0.9), cy: rng.range(0.1, 0.9), angle: rng.range(0, 2 * Float.pi),
                spread: rng.range(0.15, 0.6), strength: rng.range(0.2, 0.5), softness: rng.range(2, 14))
        }
        camera(&frame, hotspot: 0.35, rng: &rng)
        return frame
    }

    // MARK: shared pieces

    /// Yaw and pitch up to `maxTilt` degrees (squared, so mostly mild), roll mostly small with the odd
    /// quarter turn, and a random camera distance (stronger perspective when close).
    package func randomPose(maxTilt: Double, rng: inout SeededGenerator) -> CapturePose {
        func tilt(_ r: inout SeededGenerator) -> Double {
            let u = r.range(-1, 1)
            return u * abs(u) * maxTilt * .pi / 180
        }
        var roll: Double = rng.range(-12.0, 12.0) * Double.pi / 180
        if rng.chance(0.15) { roll += Double(1 + Int(rng.next() % 3)) * Double.pi / 2 }
        return CapturePose(yaw: tilt(&rng), pitch: tilt(&rng), roll: roll, distance: rng.range(1.6, 4))
    }

    /// The surface filling a frame: a texture tiled at a random scale and angle, or an out-of-focus crop of
    /// a photo, or a plain desk colour.
    package func background(_ surface: Surface, width w: Int, height h: Int, rng: inout SeededGenerator) -> FloatImage {
        var frame: FloatImage
        if surface.tiles {
            frame = FloatImage(width: w, height: h)
            frame.tile(
                surface.image, scale: rng.range(0.4, 1.6), angle: rng.range(0, 2 * Float.pi),
                offset: (rng.range(0, 500), rng.range(0, 500)))
            frame.gaussianBlur(sigma: rng.range(0.3, 1.5))
        } else if rng.chance(0.8) {
            let img = surface.image
            let scale = rng.range(0.35, 0.8)
            let cw = max(8, Int(Double(img.width) * scale))
            let ch = max(8, min(img.height, cw * h / w))
            let crop = img.cropped(
                x: Int(rng.next() % UInt64(max(1, img.width - cw + 1))),
                y: Int(rng.next() % UInt64(max(1, img.height - ch + 1))), width: cw, height: ch)
            frame = crop.resized(width: w, height: h)
            frame.gaussianBlur(sigma: rng.range(1, 4))
        } else {
            frame = FloatImage(width: w, height: h, fill: uniformGrey(rng.range(0.15, 0.75), tint: 0.15, rng: &rng))
        }
        return frame
    }

    /// Light, lens and sensor: lighting gradient + hot spot + vignette, defocus, white balance and tone,
    /// noise. JPEG quality is chosen by `jpegQuality` when the capture is written.
    package func camera(_ frame: inout FloatImage, hotspot: Double, rng: inout SeededGenerator) {
        frame.light(
            from: rng.range(0.7, 1.05), to: rng.range(0.85, 1.15), angle: rng.range(0, 2 * Float.pi),
            hotspot: rng.chance(hotspot) ? rng.range(0.05, 0.4) : 0, cx: rng.range(0.1, 0.9), cy: rng.range(0.1, 0.9),
            radius: rng.range(0.08, 0.3), vignette: rng.range(0, 0.45))
        if rng.chance(0.65) { frame.gaussianBlur(sigma: rng.range(0.3, 1.4)) }
        frame.tone(
            gains: (rng.range(0.9, 1.1), 1, rng.range(0.88, 1.1)), exposure: rng.range(0.9, 1.1),
            gamma: rng.range(0.85, 1.15), contrast: rng.range(0.9, 1.2))
        frame.addNoise(shot: rng.range(0.004, 0.035), read: rng.range(0.002, 0.015), rng: &rng)
    }

    package func jpegQuality(rng: inout SeededGenerator) -> Int { Int(rng.range(45.0, 95.0) as Double) }

    private func uniformGrey(_ v: Float, tint: Float, rng: inout SeededGenerator) -> (Float, Float, Float) {
        (v * (1 + rng.range(-tint, tint)), v, v * (1 + rng.range(-tint, tint)))
    }
}

extension SeededGenerator {
    /// Uniform in `lo…hi`.
    package mutating func range<T: BinaryFloatingPoint>(_ lo: T, _ hi: T) -> T { lo + T(uniform()) * (hi - lo) }
    /// True with probability `p`.
    package mutating func chance(_ p: Double) -> Bool { Double(uniform()) < p }
}
