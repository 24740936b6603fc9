import Engine
import Foundation
import Imaging

/// A small three-class data set drawn in the test: "documents" (light pages whose text-line layout is the
/// template identity), "screens" (a dark bezel around a bright panel with RGB subpixel stripes) and
/// "not documents" (smooth colour fields). Captures of one template differ by shift, tone and noise.
package enum SyntheticData {
    /// The default data set, written once per test process into a temporary folder.
    package static let sharedFolder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ce-synthetic-\(getpid())")
        try! write(to: url)
        // A static is never deinitialised: the folder goes when the process exits.
        atexit { try? FileManager.default.removeItem(at: SyntheticData.sharedFolder) }
        return url
    }()

    package static func page(template: Int, capture: Int, size: Int) -> RGBImage {
        var layout = SeededGenerator(seed: UInt64(template) &* 7919 &+ 1)
        var noise = SeededGenerator(seed: UInt64(template * 100 + capture) &* 104729 &+ 3)
        let tone = 215 + Int(noise.next() % 35)
        var img = RGBImage(width: size, height: size, fill: (UInt8(tone), UInt8(tone - 5), UInt8(tone - 12)))
        let dx = Int(noise.next() % 5) - 2
        let dy = Int(noise.next() % 5) - 2
        // A dark block (photo / logo) whose place and size belong to the template.
        let bw = size / 5 + Int(layout.next() % UInt64(size / 4))
        let bh = size / 6 + Int(layout.next() % UInt64(size / 4))
        let bx = 4 + Int(layout.next() % UInt64(size - bw - 8)) + dx
        let by = 4 + Int(layout.next() % UInt64(size - bh - 8)) + dy
        // Saturated template colours survive geometric jitter, so identity is learnable from content.
        let hue = Int(layout.next() % 6)
        let palette: [(UInt8, UInt8, UInt8)] = [
            (200, 30, 30), (30, 160, 40), (30, 50, 200), (190, 170, 20), (150, 30, 170), (20, 150, 160),
        ]
        let block = palette[hue]
        for yy in max(0, by)..<min(size, by + bh) {
            for xx in max(0, bx)..<min(size, bx + bw) {
                let i = 3 * (yy * size + xx)
                img.pixels[i] = block.0
                img.pixels[i + 1] = block.1
                img.pixels[i + 2] = block.2
            }
        }
        let lines = 4 + Int(layout.next() % 5)
        for l in 0..<lines {
            let y = 8 + l * (size - 16) / lines + dy
            let x0 = 6 + Int(layout.next() % UInt64(size / 3)) + dx
            let x1 = min(size - 6, x0 + size / 4 + Int(layout.next() % UInt64(size / 2)))
            let thick = 2 + Int(layout.next() % 3)
            let ink = palette[(hue + 1 + Int(layout.next() % 5)) % 6]
            for yy in max(0, y)..<min(size, y + thick) {
                for xx in max(0, x0)..<max(max(0, x0), x1) {
                    let i = 3 * (yy * size + xx)
                    img.pixels[i] = ink.0 / 2
                    img.pixels[i + 1] = ink.1 / 2
                    img.pixels[i + 2] = ink.2 / 2
                }
            }
        }
        return img
    }

    package static func screen(index: Int, size: Int) -> RGBImage {
        var rng = SeededGenerator(seed: UInt64(index) &* 31 &+ 5)
        var img = RGBImage(width: size, height: size, fill: (12, 12, 14))
        let margin = 6 + Int(rng.next() % 6)
        let base = (120 + Int(rng.next() % 120), 120 + Int(rng.next() % 120), 120 + Int(rng.next() % 120))
        for y in margin..<(size - margin) {
            for x in margin..<(size - margin) {
                let i = 3 * (y * size + x)
                let phase = x % 3
                img.pixels[i] = UInt8(phase == 0 ? base.0 : base.0 / 3)
                img.pixels[i + 1] = UInt8(phase == 1 ? base.1 : base.1 / 3)
                img.pixels[i + 2] = UInt8(phase == 2 ? base.2 : base.2 / 3)
            }
        }
        return img
    }

    package static func scene(index: Int, size: Int) -> RGBImage {
        var rng = SeededGenerator(seed: UInt64(index) &* 977 &+ 11)
        var img = RGBImage(width: size, height: size)
        let c0 = (Float(rng.next() % 256), Float(rng.next() % 256), Float(rng.next() % 256))
        let c1 = (Float(rng.next() % 256), Float(rng.next() % 256), Float(rng.next() % 256))
        let fx = Float(rng.uniform() * 0.2)
        let fy = Float(rng.uniform() * 0.2)
        for y in 0..<size {
            for x in 0..<size {
                let t = 0.5 + 0.5 * sinf(Float(x) * fx + Float(y) * fy)
                let i = 3 * (y * size + x)
                img.pixels[i] = UInt8(c0.0 * t + c1.0 * (1 - t))
                img.pixels[i + 1] = UInt8(c0.1 * t + c1.1 * (1 - t))
                img.pixels[i + 2] = UInt8(c0.2 * t + c1.2 * (1 - t))
            }
        }
        return img
    }

    /// Writes `train.csv` and `val.csv` (+ images) into `folder`: `templates` page templates with
    /// `captures` training captures each (two more per template for validation), and as many screens and
    /// scenes as pages.
    package static func write(to folder: URL, templates: Int = 16, captures: Int = 4, size: Int = 80) throws {
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("img"), withIntermediateDirectories: true)
        var train = "path|label|identity\n"
        var val = "path|label|identity\n"
        func save(_ image: RGBImage, _ name: String) throws -> String {
            try PNGWriter.write(image, to: folder.appendingPathComponent("img/" + name))
            return "img/" + name
        }
        var n = 0
        for t in 0..<templates {
            for c in 0..<(captures + 2) {
                let path = try save(page(template: t, capture: c, size: size), "page\(t)_\(c).png")
                if c < captures { train += "\(path)|document|page\(t)\n" } else { val += "\(path)|document|page\(t)\n" }
            }
        }
        for i in 0..<(templates * (captures + 2)) {
            let s = try save(screen(index: i, size: size), "screen\(i).png")
            let o = try save(scene(index: i, size: size), "scene\(i).png")
            let isVal = i % (captures + 2) >= captures
            let line = "\(s)|screen|-\n\(o)|not_a_document|-\n"
            if isVal { val += line } else { train += line }
            n += 1
        }
        try train.write(to: folder.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try val.write(to: folder.appendingPathComponent("val.csv"), atomically: true, encoding: .utf8)
    }
}
