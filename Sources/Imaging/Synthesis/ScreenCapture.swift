import Engine
import Foundation

/// The kind of display a screen capture shows.
package enum Display: CaseIterable, Sendable {
    case phone, monitor, laptop

    /// Screen width / height in its natural orientation.
    var aspect: Double {
        switch self {
        case .phone: return 9.0 / 19.5
        case .monitor: return 16.0 / 9.0
        case .laptop: return 16.0 / 10.0
        }
    }

    /// Bezel width as a fraction of the screen's longer side.
    var bezel: ClosedRange<Double> {
        switch self {
        case .phone: return 0.02...0.05
        case .monitor: return 0.01...0.04
        case .laptop: return 0.02...0.05
        }
    }
}

extension CaptureSynthesizer {
    /// Content shown on a display and photographed: display tone curve, every content pixel expanded into
    /// R|G|B sub-pixel stripes with a black matrix, the device bezel, tilt and resampling by the camera (so
    /// moiré appears where the pixel grid beats against the sensor's), glare and a faint reflection of
    /// `surroundings`, then camera blur and noise.
    package func screen(content: FloatImage, surroundings: Surface, rng: inout SeededGenerator) -> FloatImage {
        let display = Display.allCases[Int(rng.next() % 3)]
        var aspect = display.aspect
        if display == .phone && rng.chance(0.3) { aspect = 1 / aspect }
        let (w, h) = frameSize(portrait: aspect < 1 ? rng.chance(0.85) : rng.chance(0.15))
        var frame = background(surroundings, width: w, height: h, rng: &rng)
        frame.tone(gains: (1, 1, 1), exposure: rng.range(0.3, 0.8), gamma: 1, contrast: 1)

        // The screen's rectangle and the device's (bezel around it) in the screen's plane.
        let (hw, hh) = aspect >= 1 ? (0.5, 0.5 / aspect) : (0.5 * aspect, 0.5)
        let bezel = rng.range(display.bezel.lowerBound, display.bezel.upperBound)
        let pose = randomPose(maxTilt: 28, rng: &rng)
        let screenQuad = pose.project(x0: -hw, y0: -hh, x1: hw, y1: hh)
        let deviceQuad = pose.project(
            x0: -hw - bezel, y0: -hh - bezel, x1: hw + bezel, y1: hh + bezel * (display == .phone ? 1 : 1.6))
        let closeUp = rng.chance(0.3)
        let fill = closeUp ? rng.range(1.05, 1.8) : rng.range(0.35, 0.9)
        let slack = closeUp ? 0.1 : (1 - fill.squareRoot()) / 2
        let placed = QuadPlacement.place(
            [screenQuad, deviceQuad], width: w, height: h, fill: fill,
            offset: (rng.range(-slack, slack), rng.range(-slack, slack)))
        let body = rng.chance(0.7) ? rng.range(Float(0.02), 0.12) : rng.range(Float(0.4), 0.75)
        frame.fill(placed[1], colour: (body, body, body * 1.02))

        // Content cropped to the screen's aspect, at the screen's own pixel resolution.
        let extent = QuadPlacement.bounds(placed[0])
        let seen = max(extent.2 - extent.0, extent.3 - extent.1)
        let pixelsAcross = max(24, Int(seen * rng.range(0.45, 1.7)))
        let (sw, sh) =
            aspect >= 1
            ? (pixelsAcross, max(8, Int(Double(pixelsAcross) / aspect)))
            : (max(8, Int(Double(pixelsAcross) * aspect)), pixelsAcross)
        var pixels = coverCrop(content, aspect: Double(sw) / Double(sh), rng: &rng).resized(width: sw, height: sh)
        pixels.tone(
            gains: (rng.range(0.88, 1.0), rng.range(0.95, 1.0), rng.range(1.0, 1.1)), exposure: rng.range(0.85, 1.1),
            gamma: rng.range(0.75, 1.0), contrast: 1)

        let stripe = rng.range(Float(0.7), 0.95)
        let row = rng.range(Float(0.7), 0.92)
        let gain = 3 / (stripe * row) * rng.range(Float(0.55), 0.85)
        frame.draw(pixels, onto: placed[0], samples: 3) { u, v, c, value in
            let fu = u + 0.5 - (u + 0.5).rounded(.down)
            let fv = v + 0.5 - (v + 0.5).rounded(.down)
            let column = fu * 3
            let lit = Int(column) == c && (column - Float(c)) < stripe && fv < row
            return lit ? value * gain : 0
        }
        if rng.chance(0.6) {  // a reflection of the room in the glass
            var reflection = background(surroundings, width: w, height: h, rng: &rng)
            reflection.gaussianBlur(sigma: rng.range(2, 6))
            frame.draw(reflection, onto: placed[0], opacity: rng.range(0.04, 0.16))
        }
        frame.light(
            from: 1, to: 1, angle: 0, hotspot: rng.chance(0.5) ? rng.range(0.1, 0.5) : 0,
            cx: rng.range(0.1, 0.9), cy: rng.range(0.1, 0.9), radius: rng.range(0.05, 0.2), vignette: 0)
        frame.gaussianBlur(sigma: rng.range(0.35, 1.0))  // lens blur at the sensor's scale: keeps the moiré
        camera(&frame, hotspot: 0.15, rng: &rng)
        return frame
    }

    /// A document page displayed in a reader app: grey canvas, tool bar, the page centred.
    package func readerView(page: FloatImage, rng: inout SeededGenerator) -> FloatImage {
        let (w, h) = rng.chance(0.5) ? (640, 400) : (400, 820)
        let grey = rng.range(Float(0.2), 0.55)
        var view = FloatImage(width: w, height: h, fill: (grey, grey, grey * 1.03))
        let bar = Int(Double(h) * rng.range(0.05, 0.09))
        let barGrey = rng.range(Float(0.8), 0.95)
        view.fill(
            [(-0.5, -0.5), (Double(w) - 0.5, -0.5), (Double(w) - 0.5, Double(bar)), (-0.5, Double(bar))],
            colour: (barGrey, barGrey, barGrey))
        for i in 0..<Int(3 + rng.next() % 5) {  // tool bar buttons
            let x = 8 + Double(i) * Double(bar) * 1.3
            let s = Double(bar) * 0.6
            let y = Double(bar) * 0.2
            view.fill([(x, y), (x + s, y), (x + s, y + s), (x, y + s)], colour: (0.35, 0.38, 0.42))
        }
        let zoom = rng.range(0.75, 1.3)
        let avail = (Double(w) * 0.94, Double(h - bar) * 0.96)
        let s = min(avail.0 / Double(page.width), avail.1 / Double(page.height)) * zoom
        let pw = Double(page.width) * s
        let ph = Double(page.height) * s
        let x0 = (Double(w) - pw) / 2
        let y0 = Double(bar) + 6 + (zoom > 1 ? -rng.range(0, ph - avail.1) : 0)
        view.draw(
            page.fitting(longSide: Int(max(pw, ph)) + 1),
            onto: [(x0, y0), (x0 + pw, y0), (x0 + pw, y0 + ph), (x0, y0 + ph)], samples: 1)
        view.fill(
            [(-0.5, -0.5), (Double(w) - 0.5, -0.5), (Double(w) - 0.5, Double(bar)), (-0.5, Double(bar))],
            colour: (barGrey, barGrey, barGrey), opacity: zoom > 1 ? 1 : 0)
        return view
    }

    /// The largest window of `image` with the given aspect, at a random position.
    private func coverCrop(_ image: FloatImage, aspect: Double, rng: inout SeededGenerator) -> FloatImage {
        let iw = Double(image.width)
        let ih = Double(image.height)
        let (cw, ch) = iw / ih > aspect ? (ih * aspect, ih) : (iw, iw / aspect)
        let x = Int(rng.range(0, iw - cw))
        let y = Int(rng.range(0, ih - ch))
        return image.cropped(x: x, y: y, width: max(1, Int(cw)), height: max(1, Int(ch)))
    }
}
