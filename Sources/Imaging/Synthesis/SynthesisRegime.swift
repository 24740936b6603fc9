import Engine
import Foundation

/// One group of synthesis settings that the shift split draws outside the training ranges.
package enum ShiftFactor: String, Sendable, CaseIterable, Hashable {
    /// Held-out device kinds (kiosks, foldables).
    case devices
    /// The delta sub-pixel layout.
    case subpixels
    /// Strong moiré only.
    case moire
    /// Devices and pages very small in the frame (or screens far overfilling it).
    case framing
    /// Steeper hand-held tilt.
    case tilt
    /// Strong colour casts and dim exposure.
    case light
    /// More sensor noise.
    case noise
    /// Panoramic 2:1 and 21:9 frames.
    case frames
    /// Backgrounds from the shift pool's photos only (applied by the data-set builder).
    case backgrounds
}

/// Which ranges the synthesiser draws its settings from: each `ShiftFactor` in `heldOut` from the shift's
/// ranges, every other setting from training's. `training` (nothing held out) covers train, validation and
/// test; `shift` (everything held out) draws settings training never shows for the shift split, which
/// measures how far the model generalises beyond its own generator. Regimes between the two are the shift
/// ablation: which held-out factor costs how much. `selection` draws from a third set of ranges, for the
/// selection split that chooses between models (`make-dataset --selection-for DATASET`): the hard ends of
/// training's ranges and the gaps between training's and the shift's, never the shift's own settings, so
/// that a model picked there has still not been tuned to the shift.
package struct SynthesisRegime: Sendable, Hashable {
    package var heldOut: Set<ShiftFactor>
    /// Settings not held out come from the selection ranges instead of training's.
    package var selection: Bool

    package init(heldOut: Set<ShiftFactor>, selection: Bool = false) {
        self.heldOut = heldOut
        self.selection = selection
    }

    package static let training = SynthesisRegime(heldOut: [])
    package static let shift = SynthesisRegime(heldOut: Set(ShiftFactor.allCases))
    package static let selection = SynthesisRegime(heldOut: [], selection: true)

    private func shifts(_ factor: ShiftFactor) -> Bool { heldOut.contains(factor) }

    /// Devices a screen capture may show: the shift adds kinds training never sees.
    var displays: [Display] {
        if shifts(.devices) { return [.kiosk, .foldable, .kiosk, .foldable, .phone, .laptop, .monitor, .tablet] }
        return [.phone, .phone, .tablet, .laptop, .monitor, .tv, .ereader]
    }

    /// Sub-pixel layouts: stripes and PenTile in training, the delta layout held out for the shift.
    var layouts: [SubpixelLayout] {
        if shifts(.subpixels) { return [.delta] }
        return [.stripeRGB, .stripeRGB, .stripeBGR, .pentile]
    }

    /// Moiré strength (0 = the pixel grid averaged away, 1 = full sub-pixel structure): mostly weak in
    /// training, where no visible grid is the commonest case; only strong in the shift.
    package func moireStrength(rng: inout SeededGenerator) -> Float {
        if shifts(.moire) { return rng.range(0.85, 1) }
        if selection { return rng.chance(0.2) ? 0 : rng.range(0.5, 0.85) }
        if rng.chance(0.35) { return 0 }
        let u: Float = rng.range(0, 1)
        return 0.85 * u * u
    }

    /// Fraction of the frame's area the device (screens) covers; above 1 the screen overfills the frame.
    package func deviceFill(rng: inout SeededGenerator) -> Double {
        if shifts(.framing) { return rng.chance(0.6) ? rng.range(0.07, 0.15) : rng.range(1.8, 2.6) }
        if selection { return rng.chance(0.6) ? rng.range(0.15, 0.25) : rng.range(1.3, 1.7) }
        let u = rng.uniform()
        if u < 0.4 { return rng.range(0.15, 0.45) }
        if u < 0.75 { return rng.range(0.45, 0.9) }
        return rng.range(0.9, 1.7)
    }

    /// Fraction of the frame's area a page (document photos) covers.
    package func pageFill(rng: inout SeededGenerator) -> Double {
        if shifts(.framing) { return rng.range(0.1, 0.2) }
        if selection { return rng.range(0.2, 0.3) }
        return rng.chance(0.5) ? rng.range(0.2, 0.6) : rng.range(0.6, 0.95)
    }

    /// Largest yaw / pitch in degrees of a hand-held capture (the selection split keeps training's).
    package var maxTilt: Double { shifts(.tilt) ? 52 : 35 }

    /// White balance gains (R, B) and exposure: the shift's light is strongly coloured or dim.
    package func light(rng: inout SeededGenerator) -> (gains: (Float, Float, Float), exposure: Float) {
        if selection && !shifts(.light) {
            // Between training's gains (0.86–1.12) and the shift's casts (red ≥ 1.2 or blue ≥ 1.2), and
            // exposures between the shift's dim 0.45–0.65 and training's 0.85.
            let warm = rng.chance(0.5)
            let cast: (Float, Float, Float) =
                warm
                ? (rng.range(1.12, 1.19), 1, rng.range(0.78, 0.86))
                : (rng.range(0.86, 0.9), 1.04, rng.range(1.12, 1.19))
            return (cast, rng.chance(0.5) ? rng.range(0.68, 0.85) : rng.range(0.9, 1.12))
        }
        guard shifts(.light) else {
            return ((rng.range(0.88, 1.12), 1, rng.range(0.86, 1.12)), rng.range(0.85, 1.12))
        }
        let warm = rng.chance(0.5)
        let cast: (Float, Float, Float) =
            warm ? (rng.range(1.2, 1.4), 1, rng.range(0.55, 0.75)) : (rng.range(0.75, 0.85), 1.1, rng.range(1.2, 1.35))
        return (cast, rng.chance(0.5) ? rng.range(0.45, 0.65) : rng.range(0.9, 1.05))
    }

    /// Sensor noise factor: the shift's captures are noisier.
    package var noiseFactor: Float { shifts(.noise) ? 1.6 : (selection ? 1.3 : 1) }

    /// Frame shapes: the shift adds panoramic 2:1 and 21:9 frames.
    package func sizes(base: FrameSizes) -> FrameSizes {
        if shifts(.frames) { return FrameSizes(longSides: base.longSides, aspects: [2, 21.0 / 9]) }
        if selection { return FrameSizes(longSides: base.longSides, aspects: [16.0 / 9, 1.9]) }
        return base
    }

    /// Whether backgrounds come from the shift pool's photos only.
    package var shiftedBackgrounds: Bool { shifts(.backgrounds) }
}
