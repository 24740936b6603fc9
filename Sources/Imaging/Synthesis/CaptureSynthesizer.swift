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

/// Renders synthetic captures (document photos and scans, screens photographed, photos and objects) with
/// the camera effects of a phone. Every random choice comes from the generator passed in, so a capture is
/// the same for a seed on any thread. Frame sizes and shapes vary per capture (`sizes`); `regime` picks the
/// training ranges or the shift split's held-out ones.
package struct CaptureSynthesizer: Sendable {
    package var sizes: FrameSizes
    package var regime: SynthesisRegime

    package init(sizes: FrameSizes = FrameSizes(), regime: SynthesisRegime = .training) {
        self.regime = regime
        self.sizes = regime.sizes(base: sizes)
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
            frame.gaussianBlur(sigma: rng.range(0.6, 4))
        } else {
            frame = FloatImage(width: w, height: h, fill: uniformGrey(rng.range(0.15, 0.75), tint: 0.15, rng: &rng))
        }
        return frame
    }

    /// Light, lens and sensor. The effects and their order vary (a real phone pipeline differs from the next):
    /// auto-exposure that brightens dark scenes part of the way, lighting gradient + hot spot + vignette, then in a random order defocus or motion blur, sharpening or
    /// lost resolution, white balance and tone (from the regime's ranges), and finally noise. JPEG quality
    /// is chosen by `jpegQuality` when the capture is written.
    package func camera(
        _ frame: inout FloatImage, hotspot: Double, notes: inout CaptureNotes, rng: inout SeededGenerator
    ) {
        frame.autoExpose(target: rng.range(0.22, 0.4), adaptation: rng.range(0.5, 0.9))
        frame.light(
            from: rng.range(0.7, 1.05), to: rng.range(0.85, 1.15), angle: rng.range(0, 2 * Float.pi),
            hotspot: rng.chance(hotspot) ? rng.range(0.05, 0.4) : 0, cx: rng.range(0.1, 0.9), cy: rng.range(0.1, 0.9),
            radius: rng.range(0.08, 0.3), vignette: rng.range(0, 0.45))
        var steps = [0, 1, 2]
        for i in stride(from: steps.count - 1, to: 0, by: -1) { steps.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let scale = Float(max(frame.width, frame.height)) / 256
        for step in steps {
            switch step {
            case 0:
                if rng.chance(0.12) {
                    frame.motionBlur(length: rng.range(2, 9) * scale, angle: rng.range(0, Float.pi))
                    notes.tags.append("motion")
                } else if rng.chance(0.65) {
                    frame.gaussianBlur(sigma: rng.range(0.3, 1.4) * scale)
                }
            case 1:
                if rng.chance(0.3) {
                    frame.sharpen(sigma: rng.range(0.8, 1.6), amount: rng.range(0.3, 1.0))
                } else if rng.chance(0.15) {
                    frame.softenByResampling(factor: rng.range(0.4, 0.75))
                }
            default:
                let light = regime.light(rng: &rng)
                frame.tone(
                    gains: light.gains, exposure: light.exposure, gamma: rng.range(0.85, 1.15),
                    contrast: rng.range(0.85, 1.2))
            }
        }
        let dim = regime.noiseFactor
        frame.addNoise(shot: rng.range(0.004, 0.035) * dim, read: rng.range(0.002, 0.015) * dim, rng: &rng)
    }

    package func jpegQuality(rng: inout SeededGenerator) -> Int { Int(rng.range(45.0, 95.0) as Double) }

    func uniformGrey(_ v: Float, tint: Float, rng: inout SeededGenerator) -> (Float, Float, Float) {
        (v * (1 + rng.range(-tint, tint)), v, v * (1 + rng.range(-tint, tint)))
    }
}

extension SeededGenerator {
    /// Uniform in `lo…hi`.
    package mutating func range<T: BinaryFloatingPoint>(_ lo: T, _ hi: T) -> T { lo + T(uniform()) * (hi - lo) }
    /// True with probability `p`.
    package mutating func chance(_ p: Double) -> Bool { Double(uniform()) < p }
}
