import Foundation
import Imaging

/// A grid of captures for looking at a data set: one band of rows per class, each picture from a different
/// identity, letterboxed on grey.
package enum ContactSheet {
    /// Reads `split` and writes `png` with `perClass` captures of each class, `columns` per row.
    package static func write(split: URL, to png: URL, perClass: Int = 16, columns: Int = 8, cell: Int = 176) throws {
        let text = try String(contentsOf: split, encoding: .utf8)
        var all: [String: [URL]] = [:]
        var seen: Set<String> = []
        let folder = split.deletingLastPathComponent()
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "|").map(String.init)
            guard f.count >= 3, !seen.contains(f[2]) else { continue }
            seen.insert(f[2])
            all[f[1], default: []].append(folder.appendingPathComponent(f[0]))
        }
        // Identities spread evenly over the split, so every source package shows up.
        let byClass = all.mapValues { urls in
            (0..<min(perClass, urls.count)).map { urls[$0 * urls.count / min(perClass, urls.count)] }
        }
        let classes = byClass.keys.sorted()
        let rowsPerClass = (perClass + columns - 1) / columns
        let gap = 4
        var sheet = FloatImage(
            width: columns * (cell + gap) + gap, height: classes.count * rowsPerClass * (cell + gap) + gap,
            fill: (0.5, 0.5, 0.5))
        let decoder = ImageDecoder()
        for (ci, name) in classes.enumerated() {
            for (k, url) in byClass[name]!.enumerated() {
                let image = FloatImage(try decoder.decode(contentsOf: url))
                let s = Double(cell) / Double(max(image.width, image.height))
                let (w, h) = (Double(image.width) * s, Double(image.height) * s)
                let x = Double(gap + (k % columns) * (cell + gap)) + (Double(cell) - w) / 2
                let y = Double(gap + (ci * rowsPerClass + k / columns) * (cell + gap)) + (Double(cell) - h) / 2
                sheet.draw(
                    image.fitting(longSide: cell),
                    onto: [
                        (x - 0.5, y - 0.5), (x + w - 0.5, y - 0.5), (x + w - 0.5, y + h - 0.5), (x - 0.5, y + h - 0.5),
                    ])
            }
        }
        try PNGWriter.write(sheet.rgb8(), to: png)
    }
}
