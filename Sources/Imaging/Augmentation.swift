import CImageCodecs
import Engine
import Foundation

/// Training augmentations for photographed documents and screens. Every range is symmetric around "no
/// change" unless stated. Each sample draws from its own generator, so a batch is the same for a seed
/// whatever thread made it.
package struct AugmentationSettings: Codable, Equatable, Sendable {
    package var enabled = true
    /// Random resized crop / shift-scale-rotate: zoom factor range (1 = the whole cached image).
    package var scale: [Double] = [0.8, 1.1]
    /// Shift as a fraction of the image side.
    package var shift = 0.06
    /// In-plane rotation, degrees.
    package var rotation = 8.0
    /// Perspective jitter (projective terms, fraction of the side).
    package var perspective = 0.08
    package var brightness = 0.2
    package var contrast = 0.25
    package var saturation = 0.3
    package var blurProbability = 0.2
    package var noiseProbability = 0.3
    /// Gaussian noise std in grey levels.
    package var noiseStd = 5.0
    package var jpegProbability = 0.3
    package var jpegQuality: [Int] = [35, 90]
    package var shadowProbability = 0.25
    /// White-balance cast: the red and blue gains each drawn from [1 − c, 1 + c] (green stays 1), so warm
    /// tungsten and cold daylight casts are seen in training. 0 (the default) draws nothing.
    package var colorCast = 0.0
    /// Aspect stretch: the width scaled by r and the height by 1/r, ln r uniform in ±ln(1 + s), as when frames
    /// of other shapes than the training frames' are squashed to the square input. 0 (the default) draws nothing.
    package var stretch = 0.0

    package init() {}

    package static let none: AugmentationSettings = {
        var a = AugmentationSettings()
        a.enabled = false
        return a
    }()
}

/// Turns a cached RGB8 image into one normalised CHW input.
package struct Augmenter: Sendable {
    package var settings: AugmentationSettings
    package var preprocessing: Preprocessing

    package init(settings: AugmentationSettings, preprocessing: Preprocessing) {
        self.settings = settings
        self.preprocessing = preprocessing
    }

    /// `variant` (0…7) turns the source by 90°·(variant % 4) and mirrors it when variant ≥ 4 (instance mode
    /// counts each as its own identity). Writes 3·H·W floats to `destination`.
    package func render(
        _ source: RGBImage, variant: Int = 0, rng: inout SeededGenerator,
        into destination: UnsafeMutablePointer<Float>
    ) {
        let w = preprocessing.width
        let h = preprocessing.height
        let plane = w * h
        // Output pixel → centred output coords → (augmentation) → centred source coords → source pixels.
        var hm = Homography.translation(-Double(w - 1) / 2, -Double(h - 1) / 2)
        hm = Homography.scaling(Double(source.width) / Double(w), Double(source.height) / Double(h)).after(hm)
        let s = settings
        if s.enabled {
            let zoom = s.scale[0] + Double(rng.uniform()) * (s.scale[1] - s.scale[0])
            let angle = (Double(rng.uniform()) * 2 - 1) * s.rotation * .pi / 180
            let tx = (Double(rng.uniform()) * 2 - 1) * s.shift * Double(source.width)
            let ty = (Double(rng.uniform()) * 2 - 1) * s.shift * Double(source.height)
            let side = Double(max(source.width, source.height))
            let px = (Double(rng.uniform()) * 2 - 1) * s.perspective / side
            let py = (Double(rng.uniform()) * 2 - 1) * s.perspective / side
            hm = Homography([1, 0, 0, 0, 1, 0, px, py, 1]).after(hm)
            if s.stretch > 0 {
                // Drawn only when asked for, so that configs without it keep their random sequence.
                let bound = log(1 + s.stretch)
                let r = exp((Double(rng.uniform()) * 2 - 1) * bound)
                hm = Homography.scaling(r, 1 / r).after(hm)
            }
            hm = Homography.translation(tx, ty).after(
                Homography.rotation(angle).after(Homography.scaling(zoom, zoom).after(hm)))
        }
        if variant % 4 != 0 { hm = Homography.rotation(Double(variant % 4) * .pi / 2).after(hm) }
        if variant >= 4 { hm = Homography.scaling(-1, 1).after(hm) }
        hm = Homography.translation(Double(source.width - 1) / 2, Double(source.height - 1) / 2).after(hm)
        Warp.warp(source, hm, width: w, height: h, into: destination)

        if s.enabled {
            photometric(destination, width: w, height: h, rng: &rng)
        }
        let mean = preprocessing.mean
        let std = preprocessing.std
        let scale = preprocessing.scale
        let bgr = preprocessing.channelOrder.uppercased() == "BGR"
        if bgr { for i in 0..<plane { swap(&destination[i], &destination[2 * plane + i]) } }
        for c in 0..<3 {
            let p = destination + c * plane
            let m = mean[c]
            let inv = 1 / std[c]
            for i in 0..<plane { p[i] = (min(max(p[i], 0), 255) * scale - m) * inv }
        }
    }

    /// Colour jitter, shadow, blur, noise and JPEG artefacts on 0…255 planes.
    private func photometric(_ p: UnsafeMutablePointer<Float>, width w: Int, height h: Int, rng: inout SeededGenerator)
    {
        let s = settings
        let plane = w * h
        let brightness = Float((Double(rng.uniform()) * 2 - 1) * s.brightness * 255)
        let contrast = Float(1 + (Double(rng.uniform()) * 2 - 1) * s.contrast)
        let saturation = Float(1 + (Double(rng.uniform()) * 2 - 1) * s.saturation)
        if s.colorCast > 0 {
            let red = Float(1 + (Double(rng.uniform()) * 2 - 1) * s.colorCast)
            let blue = Float(1 + (Double(rng.uniform()) * 2 - 1) * s.colorCast)
            for i in 0..<plane {
                p[i] *= red
                p[2 * plane + i] *= blue
            }
        }
        var mean: Float = 0
        for i in 0..<(3 * plane) { mean += p[i] }
        mean /= Float(3 * plane)
        for i in 0..<plane {
            let r = p[i]
            let g = p[plane + i]
            let b = p[2 * plane + i]
            let grey = 0.299 * r + 0.587 * g + 0.114 * b
            for (c, v) in [r, g, b].enumerated() {
                let sat = grey + (v - grey) * saturation
                p[c * plane + i] = (sat - mean) * contrast + mean + brightness
            }
        }
        if Double(rng.uniform()) < s.shadowProbability {
            // A soft cast shadow: darken one side of a random line with a smooth edge.
            let angle = Double(rng.uniform()) * 2 * .pi
            let (nx, ny) = (Float(cos(angle)), Float(sin(angle)))
            let offset = (rng.uniform() - 0.5) * Float(w)
            let strength = 0.25 + 0.45 * rng.uniform()
            let softness = Float(w) * (0.05 + 0.2 * rng.uniform())
            for y in 0..<h {
                for x in 0..<w {
                    let d = (Float(x) - Float(w) / 2) * nx + (Float(y) - Float(h) / 2) * ny - offset
                    let t = min(max(d / softness + 0.5, 0), 1)
                    let f = 1 - strength * t
                    for c in 0..<3 { p[c * plane + y * w + x] *= f }
                }
            }
        }
        if Double(rng.uniform()) < s.blurProbability {
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: plane)
            defer { tmp.deallocate() }
            for c in 0..<3 {
                let q = p + c * plane
                for y in 0..<h {
                    for x in 0..<w {
                        let l = q[y * w + max(x - 1, 0)]
                        let r = q[y * w + min(x + 1, w - 1)]
                        tmp[y * w + x] = 0.25 * l + 0.5 * q[y * w + x] + 0.25 * r
                    }
                }
                for y in 0..<h {
                    for x in 0..<w {
                        let u = tmp[max(y - 1, 0) * w + x]
                        let d = tmp[min(y + 1, h - 1) * w + x]
                        q[y * w + x] = 0.25 * u + 0.5 * tmp[y * w + x] + 0.25 * d
                    }
                }
            }
        }
        if Double(rng.uniform()) < s.noiseProbability {
            let std = Float(s.noiseStd) * rng.uniform()
            for i in 0..<(3 * plane) { p[i] += rng.normal() * std }
        }
        if Double(rng.uniform()) < s.jpegProbability {
            let lo = s.jpegQuality[0]
            let hi = max(s.jpegQuality[1], lo)
            let quality = lo + Int(rng.next() % UInt64(hi - lo + 1))
            var rgb = [UInt8](repeating: 0, count: 3 * plane)
            for i in 0..<plane {
                for c in 0..<3 { rgb[3 * i + c] = UInt8(min(max(p[c * plane + i].rounded(), 0), 255)) }
            }
            var out = [UInt8](repeating: 0, count: 3 * plane)
            var message = [CChar](repeating: 0, count: 200)
            if ce_jpeg_roundtrip_rgb8(rgb, Int32(w), Int32(h), Int32(quality), &out, &message) == Int32(CE_OK) {
                for i in 0..<plane { for c in 0..<3 { p[c * plane + i] = Float(out[3 * i + c]) } }
            }
        }
    }
}
