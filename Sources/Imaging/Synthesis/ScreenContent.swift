import Engine
import Foundation

/// What a display shows, made from the sources: a page in a reader app (light or dark theme, with or
/// without the app's chrome), a UI screenshot in a dark theme, a photo in a viewer, a video frame.
extension CaptureSynthesizer {
    /// A document page displayed in a reader app. `dark`: the page's colours inverted on a dark canvas
    /// (a reader's night mode); `chrome`: a tool bar and a canvas around the page, else the page zoomed to
    /// the screen's width.
    package func readerView(page: FloatImage, dark: Bool, chrome: Bool, rng: inout SeededGenerator) -> FloatImage {
        let (w, h) = rng.chance(0.5) ? (640, 400) : (400, 820)
        var sheet = page
        if dark { sheet.invertLuminance() }
        let grey = dark ? rng.range(Float(0.02), 0.12) : rng.range(Float(0.2), 0.55)
        var view = FloatImage(width: w, height: h, fill: (grey, grey, grey * 1.03))
        let bar = chrome ? Int(Double(h) * rng.range(0.05, 0.09)) : 0
        let barGrey = dark ? rng.range(Float(0.12), 0.25) : rng.range(Float(0.8), 0.95)
        let zoom = chrome ? rng.range(0.75, 1.3) : rng.range(1.0, 1.6)
        let avail = (Double(w) * 0.94, Double(h - bar) * 0.96)
        let fit =
            chrome ? min(avail.0 / Double(page.width), avail.1 / Double(page.height)) : Double(w) / Double(page.width)
        let s = fit * zoom
        let pw = Double(page.width) * s
        let ph = Double(page.height) * s
        let x0 = (Double(w) - pw) / 2
        let y0 = Double(bar) + 6 + (ph > avail.1 ? -rng.range(0, ph - avail.1) : 0)
        view.draw(
            sheet.fitting(longSide: Int(max(pw, ph)) + 1),
            onto: [(x0, y0), (x0 + pw, y0), (x0 + pw, y0 + ph), (x0, y0 + ph)], samples: 1)
        if chrome {
            view.fill(
                [(-0.5, -0.5), (Double(w) - 0.5, -0.5), (Double(w) - 0.5, Double(bar)), (-0.5, Double(bar))],
                colour: (barGrey, barGrey, barGrey))
            let button: Float = dark ? 0.7 : 0.38
            for i in 0..<Int(3 + rng.next() % 5) {  // tool bar buttons
                let x = 8 + Double(i) * Double(bar) * 1.3
                let s = Double(bar) * 0.6
                let y = Double(bar) * 0.2
                view.fill([(x, y), (x + s, y), (x + s, y + s), (x, y + s)], colour: (button, button, button + 0.04))
            }
        }
        return view
    }

    /// A UI screenshot in a dark theme: luminance inverted, hues kept.
    package func darkTheme(_ ui: FloatImage) -> FloatImage {
        var out = ui
        out.invertLuminance()
        return out
    }

    /// A photo in a gallery app: fitted on a black, grey or white canvas, sometimes with a thin top bar.
    package func photoViewer(_ photo: FloatImage, rng: inout SeededGenerator) -> FloatImage {
        let (w, h) = rng.chance(0.5) ? (640, 400) : (400, 820)
        let canvas: Float = rng.chance(0.7) ? 0 : (rng.chance(0.5) ? 0.15 : 0.97)
        var view = FloatImage(width: w, height: h, fill: (canvas, canvas, canvas))
        let s = min(Double(w) / Double(photo.width), Double(h) / Double(photo.height)) * rng.range(0.85, 1)
        let pw = Double(photo.width) * s
        let ph = Double(photo.height) * s
        let x0 = (Double(w) - pw) / 2
        let y0 = (Double(h) - ph) / 2
        view.draw(
            photo.fitting(longSide: Int(max(pw, ph)) + 1),
            onto: [(x0, y0), (x0 + pw, y0), (x0 + pw, y0 + ph), (x0, y0 + ph)], samples: 1)
        if rng.chance(0.5) {
            let bar = Double(h) * 0.05
            let g: Float = canvas < 0.5 ? 0.12 : 0.9
            view.fill(
                [(-0.5, -0.5), (Double(w), -0.5), (Double(w), bar), (-0.5, bar)], colour: (g, g, g), opacity: 0.85)
        }
        return view
    }

    /// A frame of a video: the photo filling a 16:9 player with a progress bar and a few controls.
    package func videoFrame(_ photo: FloatImage, rng: inout SeededGenerator) -> FloatImage {
        let (w, h) = (640, 360)
        var view = FloatImage(width: w, height: h)
        let s = max(Double(w) / Double(photo.width), Double(h) / Double(photo.height))
        let pw = Double(photo.width) * s
        let ph = Double(photo.height) * s
        let x0 = (Double(w) - pw) / 2
        let y0 = (Double(h) - ph) / 2
        view.draw(
            photo.fitting(longSide: Int(max(pw, ph)) + 1),
            onto: [(x0, y0), (x0 + pw, y0), (x0 + pw, y0 + ph), (x0, y0 + ph)], samples: 1)
        if rng.chance(0.7) {
            let y = Double(h) * 0.92
            let played = rng.range(0.05, 0.95) * Double(w - 40)
            view.fill([(20, y), (Double(w - 20), y), (Double(w - 20), y + 4), (20, y + 4)], colour: (0.6, 0.6, 0.6))
            view.fill([(20, y), (20 + played, y), (20 + played, y + 4), (20, y + 4)], colour: (0.9, 0.1, 0.1))
            for i in 0..<3 {
                let x = 24 + Double(i) * 28
                view.fill(
                    [(x, y - 24), (x + 14, y - 17), (x + 14, y - 17), (x, y - 10)], colour: (0.95, 0.95, 0.95))
            }
        }
        return view
    }
}

extension FloatImage {
    /// Dark-mode inversion: luminance turned over, colour differences kept (white pages become black with
    /// light text; blue links stay bluish).
    package mutating func invertLuminance() {
        let n = plane
        for i in 0..<n {
            let r = planes[i]
            let g = planes[n + i]
            let b = planes[2 * n + i]
            let luma = 0.299 * r + 0.587 * g + 0.114 * b
            let target = 0.08 + 0.84 * (1 - luma)
            planes[i] = target + (r - luma) * 0.8
            planes[n + i] = target + (g - luma) * 0.8
            planes[2 * n + i] = target + (b - luma) * 0.8
        }
    }
}
