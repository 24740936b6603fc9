import Engine
import Foundation

/// The kind of device a screen capture shows.
package enum Display: String, CaseIterable, Sendable {
    case phone, tablet, laptop, monitor, tv, ereader
    /// Shift-only devices: a portrait self-service kiosk in a thick housing, a near-square foldable phone.
    case kiosk, foldable

    /// Screen width / height in its natural orientation.
    var aspect: Double {
        switch self {
        case .phone: return 9.0 / 19.5
        case .tablet: return 3.0 / 4.0
        case .laptop: return 16.0 / 10.0
        case .monitor: return 16.0 / 9.0
        case .tv: return 16.0 / 9.0
        case .ereader: return 3.0 / 4.0
        case .kiosk: return 9.0 / 16.0
        case .foldable: return 0.9
        }
    }

    /// Bezel width as a fraction of the screen's longer side.
    var bezel: ClosedRange<Double> {
        switch self {
        case .phone: return 0.015...0.05
        case .tablet: return 0.03...0.08
        case .laptop: return 0.015...0.05
        case .monitor: return 0.006...0.035
        case .tv: return 0.004...0.02
        case .ereader: return 0.06...0.14
        case .kiosk: return 0.08...0.16
        case .foldable: return 0.02...0.04
        }
    }

    /// Hand-held devices lie on desks or are held (fingers at an edge); the others stand in a room.
    var handHeld: Bool { [.phone, .tablet, .ereader, .foldable].contains(self) }

    /// An e-ink panel: grey, matte, reflective, no sub-pixels and no glow.
    var eInk: Bool { self == .ereader }

    /// May be turned to the other orientation.
    var rotates: Bool { [.phone, .tablet, .ereader, .foldable].contains(self) }
}
