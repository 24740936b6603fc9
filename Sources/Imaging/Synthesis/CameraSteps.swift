import Foundation

// Camera pipeline steps beyond CameraEffects.swift: motion blur, sharpening, lost resolution, auto-exposure.

extension FloatImage {
    /// Blur along a line `length` pixels long at `angle` radians: a hand-held phone moving during the
    /// exposure. Averages bilinear samples spaced one pixel apart along the line.
    package mutating func motionBlur(length: Float, angle: Float) {
        let taps = Int(length.rounded())
        guard taps >= 2 else { return }
        let dx = cos(angle)
        let dy = sin(angle)
        let source = self
        let n = plane
        let inv = 1 / Float(taps)
        let start = -Float(taps - 1) / 2
        for y in 0..<height {
            for x in 0..<width {
                var acc: (Float, Float, Float) = (0, 0, 0)
                for t in 0..<taps {
                    let s = start + Float(t)
                    let sx = Float(x) + s * dx
                    let sy = Float(y) + s * dy
                    acc.0 += source.sample(0, sx, sy)
                    acc.1 += source.sample(1, sx, sy)
                    acc.2 += source.sample(2, sx, sy)
                }
                let i = y * width + x
                planes[i] = acc.0 * inv
                planes[n + i] = acc.1 * inv
                planes[2 * n + i] = acc.2 * inv
            }
        }
    }

    /// Unsharp masking (a phone's sharpening): `v + amount·(v − blur(v))`.
    package mutating func sharpen(sigma: Float, amount: Float) {
        var soft = self
        soft.gaussianBlur(sigma: sigma)
        for i in planes.indices { planes[i] += amount * (planes[i] - soft.planes[i]) }
    }

    /// Lost resolution (digital zoom, a cheap lens): down to `factor` of the size and back up.
    package mutating func softenByResampling(factor: Double) {
        let w = max(8, Int(Double(width) * factor))
        let h = max(8, Int(Double(height) * factor))
        let back = resized(width: w, height: h).resized(width: width, height: height)
        planes = back.planes
    }

    /// A camera's auto-exposure: a scene darker than `target` mean luminance is brightened by
    /// `(target / mean)^adaptation` (at most 4×); brighter scenes are left alone.
    package mutating func autoExpose(target: Float, adaptation: Float) {
        let n = plane
        var sum: Float = 0
        for i in 0..<n { sum += 0.299 * planes[i] + 0.587 * planes[n + i] + 0.114 * planes[2 * n + i] }
        let mean = max(sum / Float(max(n, 1)), 1e-3)
        guard mean < target else { return }
        let gain = min(pow(target / mean, adaptation), 4)
        for i in planes.indices { planes[i] *= gain }
    }
}
