import Foundation

/// How a display's pixel is split into coloured sub-pixels; the camera's sampling of this structure makes
/// the moiré.
package enum SubpixelLayout: String, CaseIterable, Sendable {
    /// Vertical R|G|B stripes (LCD).
    case stripeRGB
    /// Vertical B|G|R stripes.
    case stripeBGR
    /// OLED PenTile: green on every pixel, red and blue alternating in a checkerboard.
    case pentile
    /// Delta / triangle layout: R, G, B in a row shifted by half a pixel every other row (shift split only).
    case delta

    /// Light of channel `c` at the fractional position (`fu`, `fv`) inside display pixel (`iu`, `iv`):
    /// `value·gain` where the sub-pixel of that colour is lit, 0 on the black matrix. `stripe` and `row` are
    /// the lit fractions of a sub-pixel's width and of a pixel's height.
    @inline(__always)
    func light(
        fu: Float, fv: Float, iu: Int, iv: Int, c: Int, value: Float, stripe: Float, row: Float, gain: Float
    ) -> Float {
        if fv >= row { return 0 }
        switch self {
        case .stripeRGB, .stripeBGR:
            let column = fu * 3
            let which = Int(column)
            let colour = self == .stripeRGB ? which : 2 - which
            return colour == c && column - Float(which) < stripe ? value * gain : 0
        case .pentile:
            // Left half: green; right half: red on even (u+v), blue on odd.
            let half = fu * 2
            let which = Int(half)
            let colour = which == 0 ? 1 : ((iu + iv) & 1 == 0 ? 0 : 2)
            return colour == c && half - Float(which) < stripe ? value * gain * 1.5 : 0
        case .delta:
            let shifted = (fu + (iv & 1 == 0 ? 0 : 0.5)).truncatingRemainder(dividingBy: 1) * 3
            let which = Int(shifted)
            return which == c && shifted - Float(which) < stripe ? value * gain : 0
        }
    }
}
