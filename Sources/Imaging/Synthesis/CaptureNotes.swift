/// What the synthesiser chose for one capture, recorded by the data-set builder beside the capture so that
/// accuracy can be broken down by setting.
package struct CaptureNotes: Sendable, Equatable {
    /// Fraction of the frame's area the subject (page, device, photo print, object) covers; above 1 it
    /// overfills the frame.
    package var fill: Double = 0
    /// The device of a screen capture.
    package var display: Display?
    /// Moiré strength of a screen capture (0 = no pixel grid visible).
    package var moire: Float = 0
    /// Optional effects that were applied (`curl`, `fingers`, `motion`, `dark`, …), in order.
    package var tags: [String] = []

    package init() {}
}
