import Engine
import Imaging
import XCTest

/// The colour-cast and aspect-stretch augmentations: each stays inside its configured range, and each
/// actually moves the output.
final class AugmentationTests: XCTestCase {
    /// Every augmentation off except the ones a test turns on; outputs in 0…255 grey levels.
    private func augmenter(_ change: (inout AugmentationSettings) -> Void) -> Augmenter {
        var s = AugmentationSettings()
        s.scale = [1, 1]
        s.shift = 0
        s.rotation = 0
        s.perspective = 0
        s.brightness = 0
        s.contrast = 0
        s.saturation = 0
        s.blurProbability = 0
        s.noiseProbability = 0
        s.jpegProbability = 0
        s.shadowProbability = 0
        change(&s)
        var pre = Preprocessing()
        pre.width = 64
        pre.height = 64
        pre.scale = 1
        pre.mean = [0, 0, 0]
        pre.std = [1, 1, 1]
        return Augmenter(settings: s, preprocessing: pre)
    }

    private func render(_ augmenter: Augmenter, _ source: RGBImage, seed: UInt64) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * 64 * 64)
        var rng = SeededGenerator(seed: seed)
        out.withUnsafeMutableBufferPointer { augmenter.render(source, rng: &rng, into: $0.baseAddress!) }
        return out
    }

    func testColorCastScalesRedAndBlueWithinItsRangeAndLeavesGreen() {
        let grey = RGBImage(width: 64, height: 64, fill: (100, 100, 100))
        let plane = 64 * 64
        let neutral = render(augmenter { _ in }, grey, seed: 1)
        XCTAssertEqual(neutral[10], neutral[plane + 10], accuracy: 1e-3, "no cast: red equals green")
        let cast = augmenter { $0.colorCast = 0.4 }
        var largest: Float = 0
        for seed in UInt64(0)..<20 {
            let out = render(cast, grey, seed: seed)
            let (red, green, blue) = (out[plane / 2], out[plane + plane / 2], out[2 * plane + plane / 2])
            XCTAssertEqual(green, 100, accuracy: 0.01, "green keeps its value")
            for gain in [red / green, blue / green] {
                XCTAssertGreaterThanOrEqual(gain, 0.6 - 1e-4, "seed \(seed)")
                XCTAssertLessThanOrEqual(gain, 1.4 + 1e-4, "seed \(seed)")
                largest = max(largest, abs(gain - 1))
            }
            XCTAssertEqual(out[0], red, accuracy: 1e-3, "one gain for the whole image")
        }
        XCTAssertGreaterThan(largest, 0.2, "20 draws from ±0.4 reach beyond ±0.2")
    }

    /// A white square in the middle of black: its drawn width / height ratio is r², r within ±ln(1 + s).
    func testStretchChangesTheAspectWithinItsRange() {
        var pixels = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for y in 24..<40 {
            for x in 24..<40 {
                for c in 0..<3 { pixels[(y * 64 + x) * 3 + c] = 255 }
            }
        }
        let square = RGBImage(width: 64, height: 64, pixels: pixels)
        func extent(_ out: [Float]) -> (width: Float, height: Float) {
            var columns: Float = 0
            var rows: Float = 0
            for i in 0..<64 {
                columns += out[32 * 64 + i] / 255
                rows += out[i * 64 + 32] / 255
            }
            return (columns, rows)
        }
        let plain = extent(render(augmenter { _ in }, square, seed: 3))
        XCTAssertEqual(plain.width / plain.height, 1, accuracy: 0.02)
        let stretched = augmenter { $0.stretch = 0.3 }
        var ratios: [Float] = []
        for seed in UInt64(0)..<20 {
            let e = extent(render(stretched, square, seed: seed))
            ratios.append(e.width / e.height)
        }
        for r in ratios {
            XCTAssertGreaterThan(r, 1 / (1.3 * 1.3) - 0.05)
            XCTAssertLessThan(r, 1.3 * 1.3 + 0.05)
        }
        XCTAssertGreaterThan(ratios.max()! / ratios.min()!, 1.2, "the aspect varies from draw to draw")
    }
}
