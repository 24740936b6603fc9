import CImageCodecs
import Engine
import Foundation

/// Optical and sensor effects on a `FloatImage`: lighting, shadows, blur, tone, noise. Each takes its
/// parameters explicitly; `CaptureSynthesizer` draws them from a seeded generator.
extension FloatImage {
    /// Separable Gaussian blur of the colour planes (and alpha when present).
    package mutating func gaussianBlur(sigma: Float) {
        guard sigma > 0.05 else { return }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let w = width
        let h = height
        var tmp = [Float](repeating: 0, count: w * h)
        func blur(_ p: UnsafeMutablePointer<Float>) {
            for y in 0..<h {
                for x in 0..<w {
                    var s: Float = 0
                    for k in -radius...radius { s += kernel[k + radius] * p[y * w + min(max(x + k, 0), w - 1)] }
                    tmp[y * w + x] = s
                }
            }
            for y in 0..<h {
                for x in 0..<w {
                    var s: Float = 0
                    for k in -radius...radius { s += kernel[k + radius] * tmp[min(max(y + k, 0), h - 1) * w + x] }
                    p[y * w + x] = s
                }
            }
        }
        let n = plane
        planes.withUnsafeMutableBufferPointer { b in for c in 0..<3 { blur(b.baseAddress! + c * n) } }
        if !alpha.isEmpty { alpha.withUnsafeMutableBufferPointer { blur($0.baseAddress!) } }
    }

    /// Multiplies by a linear ramp from `from` to `to` along `angle`, adds a Gaussian hot spot of
    /// `hotspot` strength at (`cx`, `cy`) (fractions of the frame) with `radius` (fraction of the diagonal),
    /// and darkens the corners by `vignette` (0 = none).
    package mutating func light(
        from: Float, to: Float, angle: Float, hotspot: Float, cx: Float, cy: Float,
        radius: Float, vignette: Float
    ) {
        let n = plane
        let diag = Float(width * width + height * height).squareRoot()
        let dx = cos(angle)
        let dy = sin(angle)
        let r2 = max(radius * diag, 1) * max(radius * diag, 1)
        for y in 0..<height {
            for x in 0..<width {
                let nx = Float(x) / Float(width) - 0.5
                let ny = Float(y) / Float(height) - 0.5
                let t = min(max((nx * dx + ny * dy) + 0.5, 0), 1)
                var gain = from + (to - from) * t
                gain *= 1 - vignette * (nx * nx + ny * ny) * 2
                let ex = Float(x) - cx * Float(width)
                let ey = Float(y) - cy * Float(height)
                let spot = hotspot * exp(-(ex * ex + ey * ey) / (2 * r2))
                let i = y * width + x
                for c in 0..<3 { planes[c * n + i] = planes[c * n + i] * gain + spot }
            }
        }
    }

    /// A cast shadow (a hand, a phone, a lamp arm): the wedge on the far side of two lines through
    /// (`cx`, `cy`) at `angle` ± `spread`, darkened by `strength` with a penumbra `softness` pixels wide.
    package mutating func castShadow(
        cx: Float, cy: Float, angle: Float, spread: Float, strength: Float, softness: Float
    ) {
        let n = plane
        let a1 = angle - spread
        let a2 = angle + spread
        let (n1x, n1y) = (-sin(a1), cos(a1))
        let (n2x, n2y) = (sin(a2), -cos(a2))
        let px = cx * Float(width)
        let py = cy * Float(height)
        let soft = max(softness, 0.5)
        for y in 0..<height {
            for x in 0..<width {
                let rx = Float(x) - px
                let ry = Float(y) - py
                let d1 = (rx * n1x + ry * n1y) / soft
                let d2 = (rx * n2x + ry * n2y) / soft
                let inside = smoothStep(d1) * smoothStep(d2)
                let along = rx * cos(angle) + ry * sin(angle)
                let m = along > 0 ? inside : inside * smoothStep(1 + along / soft)
                if m <= 0 { continue }
                let f = 1 - strength * m
                let i = y * width + x
                for c in 0..<3 { planes[c * n + i] *= f }
            }
        }
    }

    /// Per-channel gains (white balance), then `(v·exposure)^gamma`, then contrast around mid-grey.
    package mutating func tone(gains: (Float, Float, Float), exposure: Float, gamma: Float, contrast: Float) {
        let n = plane
        let g = [gains.0, gains.1, gains.2]
        for c in 0..<3 {
            for i in 0..<n {
                let v = max(planes[c * n + i] * g[c] * exposure, 0)
                planes[c * n + i] = (pow(v, gamma) - 0.5) * contrast + 0.5
            }
        }
    }

    /// Sensor noise: signal-dependent (shot) plus constant (read) Gaussian noise, with a little chroma.
    package mutating func addNoise(shot: Float, read: Float, rng: inout SeededGenerator) {
        let n = plane
        for i in 0..<n {
            let luma = 0.3 * planes[i] + 0.59 * planes[n + i] + 0.11 * planes[2 * n + i]
            let sigma = (read * read + shot * shot * max(luma, 0)).squareRoot()
            let common = rng.normal() * sigma
            for c in 0..<3 { planes[c * n + i] += common + rng.normal() * sigma * 0.35 }
        }
    }

    /// Luma only (a greyscale scan or print).
    package mutating func makeGrey() {
        let n = plane
        for i in 0..<n {
            let v = 0.299 * planes[i] + 0.587 * planes[n + i] + 0.114 * planes[2 * n + i]
            planes[i] = v
            planes[n + i] = v
            planes[2 * n + i] = v
        }
    }
}

@inline(__always)
private func smoothStep(_ t: Float) -> Float {
    let x = min(max(t + 0.5, 0), 1)
    return x * x * (3 - 2 * x)
}

/// Baseline JPEG encoding of RGB8 images (libjpeg-turbo).
package enum JPEGWriter {
    package static func encode(_ image: RGBImage, quality: Int, file: String = "<memory>") throws -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 200)
        let rc = image.pixels.withUnsafeBufferPointer { p in
            ce_jpeg_encode_rgb8(
                p.baseAddress, Int32(image.width), Int32(image.height), Int32(min(max(quality, 1), 100)),
                &out, &length, &message)
        }
        defer { ce_free(out) }
        guard Int(rc) == CE_OK, let out else {
            throw ImageError.unwritable(
                file: file,
                reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Data(bytes: out, count: length)
    }

    /// Encodes and writes atomically (temp file + rename).
    package static func write(_ image: RGBImage, quality: Int, to url: URL) throws {
        let data = try encode(image, quality: quality, file: url.path)
        do { try AtomicFile.write(data, to: url) } catch {
            throw ImageError.unwritable(file: url.path, reason: "\(error)")
        }
    }
}
