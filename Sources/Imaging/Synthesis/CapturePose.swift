import Foundation

/// Where a flat object (a page, a card, a device) sits in front of the camera: turned about the vertical
/// axis (`yaw`), the horizontal axis (`pitch`) and the lens axis (`roll`), seen by a pinhole camera at
/// `distance` (in units of the object's longer side). Projects rectangles of the object's plane to quads.
package struct CapturePose: Sendable {
    package var yaw: Double
    package var pitch: Double
    package var roll: Double
    package var distance: Double

    package init(yaw: Double = 0, pitch: Double = 0, roll: Double = 0, distance: Double = 2.5) {
        self.yaw = yaw
        self.pitch = pitch
        self.roll = roll
        self.distance = distance
    }

    /// Projects the rectangle `x0…x1 × y0…y1` of the object's plane (centred coordinates) to a quad
    /// (TL, TR, BR, BL) in normalised image coordinates around the origin.
    package func project(x0: Double, y0: Double, x1: Double, y1: Double) -> [Point2] {
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)].map { project($0) }
    }

    package func project(_ p: Point2) -> Point2 { project(x: p.x, y: p.y, z: 0) }

    /// Projects a point off the object's plane (`z` towards the camera, in the same units): bent pages.
    package func project(x px: Double, y py: Double, z pz: Double) -> Point2 {
        // R = Rz(roll) · Rx(pitch) · Ry(yaw), applied to (x, y, −z) (the camera looks along +z).
        let (cy, sy) = (cos(yaw), sin(yaw))
        let (cp, sp) = (cos(pitch), sin(pitch))
        let (cr, sr) = (cos(roll), sin(roll))
        var x = px * cy - pz * sy
        var y = py
        var z = -px * sy - pz * cy
        (y, z) = (y * cp - z * sp, y * sp + z * cp)
        (x, y) = (x * cr - y * sr, x * sr + y * cr)
        let w = z + distance
        return (x * distance / w, y * distance / w)
    }
}

/// Fitting projected quads into a frame.
package enum QuadPlacement {
    /// Scales and moves `quads` together (the first one is the reference) so that the reference covers
    /// `fill` of a `width × height` frame by area and its centre sits at the frame centre plus `offset`
    /// (fractions of the frame).
    package static func place(
        _ quads: [[Point2]], width: Int, height: Int, fill: Double,
        offset: (Double, Double)
    ) -> [[Point2]] {
        let ref = quads[0]
        let area = max(polygonArea(ref), 1e-9)
        let s = (fill * Double(width * height) / area).squareRoot()
        let cx = ref.map(\.x).reduce(0, +) / 4
        let cy = ref.map(\.y).reduce(0, +) / 4
        let tx = Double(width) * (0.5 + offset.0) - 0.5
        let ty = Double(height) * (0.5 + offset.1) - 0.5
        return quads.map { q in q.map { ((($0.x - cx) * s) + tx, (($0.y - cy) * s) + ty) } }
    }

    /// Maps quads by the affine map that sends the axis-aligned box `box` (x0, y0, x1, y1) onto the whole
    /// `width × height` frame: a crop of the scene to that box.
    package static func crop(
        _ quads: [[Point2]], box: (Double, Double, Double, Double), width: Int, height: Int
    ) -> [[Point2]] {
        let sx = Double(width) / (box.2 - box.0)
        let sy = Double(height) / (box.3 - box.1)
        return quads.map { q in q.map { (($0.x - box.0) * sx - 0.5, ($0.y - box.1) * sy - 0.5) } }
    }

    /// The bounding box of a quad: (x0, y0, x1, y1).
    package static func bounds(_ q: [Point2]) -> (Double, Double, Double, Double) {
        (q.map(\.x).min()!, q.map(\.y).min()!, q.map(\.x).max()!, q.map(\.y).max()!)
    }
}
