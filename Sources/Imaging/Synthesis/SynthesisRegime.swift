import Engine
import Foundation

/// Which ranges the synthesiser draws its settings from. `training` covers train, validation and test;
/// `shift` draws settings outside those ranges (devices, framings, sub-pixel layouts and banding, lighting
/// and frame shapes that training never shows) for the shift split, which measures how far the model
/// generalises beyond its own generator.
package enum SynthesisRegime: String, Sendable, CaseIterable {
    case training
    case shift

    /// Devices a screen capture may show: the shift adds kinds training never sees.
    var displays: [Display] {
        switch self {
        case .training: return [.phone, .phone, .tablet, .laptop, .monitor, .tv, .ereader]
        case .shift: return [.kiosk, .foldable, .kiosk, .foldable, .phone, .laptop, .monitor, .tablet]
        }
    }

    /// Sub-pixel layouts: stripes and PenTile in training, the delta layout held out for the shift.
    var layouts: [SubpixelLayout] {
        switch self {
        case .training: return [.stripeRGB, .stripeRGB, .stripeBGR, .pentile]
        case .shift: return [.delta]
        }
    }

    /// Moiré strength (0 = the pixel grid averaged away, 1 = full sub-pixel structure): mostly weak in
    /// training, where no visible grid is the commonest case; only strong in the shift.
    func moireStrength(rng: inout SeededGenerator) -> Float {
        switch self {
        case .training:
            if rng.chance(0.35) { return 0 }
            let u: Float = rng.range(0, 1)
            return 0.85 * u * u
        case .shift: return rng.range(0.85, 1)
        }
    }

    /// Fraction of the frame's area the device (screens) covers; above 1 the screen overfills the frame.
    func deviceFill(rng: inout SeededGenerator) -> Double {
        switch self {
        case .training:
            let u = rng.uniform()
            if u < 0.4 { return rng.range(0.15, 0.45) }
            if u < 0.75 { return rng.range(0.45, 0.9) }
            return rng.range(0.9, 1.7)
        case .shift: return rng.chance(0.6) ? rng.range(0.07, 0.15) : rng.range(1.8, 2.6)
        }
    }

    /// Fraction of the frame's area a page (document photos) covers.
    func pageFill(rng: inout SeededGenerator) -> Double {
        switch self {
        case .training: return rng.chance(0.5) ? rng.range(0.2, 0.6) : rng.range(0.6, 0.95)
        case .shift: return rng.range(0.1, 0.2)
        }
    }

    /// Largest yaw / pitch in degrees of a hand-held capture.
    var maxTilt: Double {
        switch self {
        case .training: return 35
        case .shift: return 52
        }
    }

    /// White balance gains (R, B) and exposure: the shift's light is strongly coloured or dim.
    func light(rng: inout SeededGenerator) -> (gains: (Float, Float, Float), exposure: Float) {
        switch self {
        case .training:
            return ((rng.range(0.88, 1.12), 1, rng.range(0.86, 1.12)), rng.range(0.85, 1.12))
        case .shift:
            let warm = rng.chance(0.5)
            let cast: (Float, Float, Float) =
                warm
                ? (rng.range(1.2, 1.4), 1, rng.range(0.55, 0.75)) : (rng.range(0.75, 0.85), 1.1, rng.range(1.2, 1.35))
            return (cast, rng.chance(0.5) ? rng.range(0.45, 0.65) : rng.range(0.9, 1.05))
        }
    }

    /// Frame shapes: the shift adds panoramic 2:1 and 21:9 frames.
    func sizes(base: FrameSizes) -> FrameSizes {
        switch self {
        case .training: return base
        case .shift: return FrameSizes(longSides: base.longSides, aspects: [2, 21.0 / 9])
        }
    }
}
