import Imaging

/// The key to a Grad-CAM overlay: a white panel beside the image with the colour map as a vertical bar,
/// 1 (the strongest cell of the map) at the top and 0 at the bottom, labelled 1, 0.5 and 0. The labels are
/// drawn from a built-in 5×7 pixel font, so the PNG needs no font files.
enum ColourBar {
    /// `image` with the panel appended on its right (and white below it when the image is too short for the bar).
    static func appended(to image: RGBImage, colour: (Float) -> [Float]) -> RGBImage {
        // Everything scales with the image, so the key stays legible on a large photo and small on a thumbnail.
        let s = max(1, image.height / 240)
        let pad = 6 * s
        let barWidth = 12 * s
        let labelWidth = 3 * 6 * s
        let panel = pad + barWidth + 5 * s + labelWidth + pad
        let height = max(image.height, 60 * s)
        var out = RGBImage(width: image.width + panel, height: height, fill: (255, 255, 255))
        for y in 0..<image.height {
            let from = 3 * y * image.width
            let to = 3 * y * out.width
            out.pixels.replaceSubrange(to..<(to + 3 * image.width), with: image.pixels[from..<(from + 3 * image.width)])
        }
        let x0 = image.width + pad
        let top = 8 * s
        let bottom = height - 8 * s
        for y in top..<bottom {
            let rgb = colour(Float(bottom - 1 - y) / Float(max(1, bottom - top - 1)))
            for x in x0..<(x0 + barWidth) {
                let i = 3 * (y * out.width + x)
                for c in 0..<3 { out.pixels[i + c] = UInt8(rgb[c].rounded()) }
            }
        }
        let labelX = x0 + barWidth + 5 * s
        for (text, y) in [("1", top), ("0.5", (top + bottom) / 2), ("0", bottom - 1)] {
            // A tick across the bar's edge, a gap (so that it does not read as a minus sign), then the label.
            for x in (x0 + barWidth - 2 * s)..<(x0 + barWidth + 2 * s) { set(&out, x, y, s: s) }
            draw(text, into: &out, x: labelX, y: y - 7 * s / 2, scale: s)
        }
        return out
    }

    private static func set(_ image: inout RGBImage, _ x: Int, _ y: Int, s: Int) {
        for dy in 0..<s {
            for dx in 0..<s {
                let px = x + dx
                let py = y + dy
                guard px >= 0, px < image.width, py >= 0, py < image.height else { continue }
                let i = 3 * (py * image.width + px)
                image.pixels[i] = 0
                image.pixels[i + 1] = 0
                image.pixels[i + 2] = 0
            }
        }
    }

    private static func draw(_ text: String, into image: inout RGBImage, x: Int, y: Int, scale s: Int) {
        var cursor = x
        for character in text {
            guard let rows = glyphs[character] else { continue }
            for (r, row) in rows.enumerated() {
                for (c, bit) in row.enumerated() where bit == "#" { set(&image, cursor + c * s, y + r * s, s: s) }
            }
            cursor += (rows[0].count + 1) * s
        }
    }

    /// The characters the labels use, 7 rows each ('#' is ink).
    private static let glyphs: [Character: [String]] = [
        "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
        "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        ".": ["..", "..", "..", "..", "..", "##", "##"],
    ]
}
