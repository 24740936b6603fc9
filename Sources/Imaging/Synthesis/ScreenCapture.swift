import Engine
import Foundation

extension CaptureSynthesizer {
    /// A device picked from the regime's list.
    package func randomDisplay(rng: inout SeededGenerator) -> Display {
        let list = regime.displays
        return list[Int(rng.next() % UInt64(list.count))]
    }

    /// `content` shown on `display` and photographed. The device covers anywhere from a small part of the
    /// frame (the whole device with its bezel, stand or keyboard, on a desk or in a room) to more than the
    /// frame (no bezel). The display's pixel grid is drawn with a sub-pixel layout at a moiré strength from
    /// none (the grid averaged away, as when the camera is far or the panel fine) to full; the panel's
    /// resolution against the camera's, the lens blur and the camera distance vary widely. Glass reflection,
    /// glare, fingers on hand-held devices, then the camera.
    package func screen(
        content: FloatImage, display: Display, room: Surface, desk: Surface, notes: inout CaptureNotes,
        rng: inout SeededGenerator
    ) -> FloatImage {
        var aspect = display.aspect
        // A device turned to its other orientation shows its sub-pixel stripes turned as well.
        let turned = display.rotates && rng.chance(0.3)
        if turned { aspect = 1 / aspect }
        let (w, h) = sizes.draw(portrait: aspect < 1 ? rng.chance(0.8) : rng.chance(0.15), rng: &rng)
        let fill = regime.deviceFill(rng: &rng)
        notes.fill = fill
        notes.display = display
        let onDesk = display.handHeld && fill < 1 && rng.chance(0.5)
        notes.tags.append(onDesk ? "desk" : "room")
        var frame = background(onDesk ? desk : room, width: w, height: h, rng: &rng)
        // The camera exposes for the scene: a bright screen in a dim room only sometimes.
        let roomLight =
            display.eInk
            ? rng.range(Float(0.75), 1.05)
            : (rng.chance(0.3) ? rng.range(Float(0.3), 0.6) : rng.range(Float(0.6), 1.05))
        frame.tone(gains: (1, 1, 1), exposure: roomLight, gamma: 1, contrast: 1)

        // Screen, body and the device's other parts in the screen's plane (z towards the camera).
        let (hw, hh) = aspect >= 1 ? (0.5, 0.5 / aspect) : (0.5 * aspect, 0.5)
        let bezel = rng.range(display.bezel.lowerBound, display.bezel.upperBound)
        let chin = [Display.laptop, .monitor, .kiosk].contains(display) ? bezel * rng.range(1, 2.2) : bezel
        let pose = randomPose(maxTilt: onDesk ? regime.maxTilt : regime.maxTilt * 0.8, rng: &rng)
        var quads = [
            pose.project(x0: -hw, y0: -hh, x1: hw, y1: hh),
            pose.project(x0: -hw - bezel, y0: -hh - bezel, x1: hw + bezel, y1: hh + chin),
        ]
        quads += parts(display: display, hw: hw, bottom: hh + chin, pose: pose, rng: &rng)
        let slack = fill < 1 ? (1 - fill.squareRoot()) / 2 : 0.12
        let placed = QuadPlacement.place(
            quads, width: w, height: h, fill: fill, offset: (rng.range(-slack, slack), rng.range(-slack, slack)))
        let body = bodyColour(rng: &rng)
        for part in placed.dropFirst(2).reversed() {
            frame.fill(part, colour: (body.0 * 0.85, body.1 * 0.85, body.2 * 0.85))
        }
        if onDesk {
            frame.fill(
                placed[1].map { ($0.x + rng.range(1, 4), $0.y + rng.range(1, 5)) }, colour: (0, 0, 0), opacity: 0.35)
        }
        let corner = display.handHeld ? rng.range(0.04, 0.12) : rng.range(0, 0.03)
        frame.draw(
            deviceBody(colour: body, aspect: aspect, corner: corner, rim: rng.range(0, 0.25)), onto: placed[1],
            samples: 2
        )

        // Content at the panel's own resolution: `ratio` panel pixels per camera pixel.
        let extent = QuadPlacement.bounds(placed[0])
        let seen = max(extent.2 - extent.0, extent.3 - extent.1)
        let ratio = exp(rng.range(log(0.6), log(4.5)))
        let across = max(24, min(1400, Int(seen * ratio)))
        let (sw, sh) =
            aspect >= 1
            ? (across, max(8, Int(Double(across) / aspect))) : (max(8, Int(Double(across) * aspect)), across)
        var pixels = coverCrop(content, aspect: Double(sw) / Double(sh), rng: &rng).resized(width: sw, height: sh)
        if display.eInk {
            pixels.makeGrey()
            let paper = rng.range(Float(0.72), 0.88)
            for i in pixels.planes.indices { pixels.planes[i] = 0.12 + (paper - 0.12) * pixels.planes[i] }
            pixels.tone(gains: (1, 1, 0.97), exposure: roomLight, gamma: 1, contrast: 1)
        } else {
            pixels.tone(
                gains: (rng.range(0.88, 1.0), rng.range(0.95, 1.0), rng.range(1.0, 1.1)),
                exposure: rng.range(0.85, 1.1),
                gamma: rng.range(0.75, 1.0), contrast: 1)
        }
        var strength = display.eInk ? 0 : regime.moireStrength(rng: &rng)
        // Close up, a camera pixel sees only a few panel pixels: some structure nearly always shows.
        if fill > 1 && !display.eInk { strength = max(strength, rng.range(0.15, 0.45)) }
        notes.moire = strength
        if strength < 0.01 {
            frame.draw(pixels, onto: placed[0], samples: 2)
        } else {
            let layouts = regime.layouts
            let layout = layouts[Int(rng.next() % UInt64(layouts.count))]
            let stripe = rng.range(Float(0.6), 0.95)
            let row = rng.range(Float(0.65), 0.95)
            let gain = (layout == .pentile ? 2 : 3) / (stripe * row) * rng.range(Float(0.6), 0.9)
            frame.draw(pixels, onto: placed[0], samples: 3) { u, v, c, value in
                let iu = Int((u + 0.5).rounded(.down))
                let iv = Int((v + 0.5).rounded(.down))
                let (fu, fv) = (u + 0.5 - Float(iu), v + 0.5 - Float(iv))
                let lit =
                    turned
                    ? layout.light(
                        fu: fv, fv: fu, iu: iv, iv: iu, c: c, value: value, stripe: stripe, row: row, gain: gain)
                    : layout.light(
                        fu: fu, fv: fv, iu: iu, iv: iv, c: c, value: value, stripe: stripe, row: row, gain: gain)
                return value + (lit - value) * strength
            }
        }
        if rng.chance(0.6) {  // a reflection of the room in the glass
            var reflection = background(room, width: w, height: h, rng: &rng)
            reflection.gaussianBlur(sigma: rng.range(2, 6))
            frame.draw(reflection, onto: placed[0], opacity: rng.range(0.03, display.eInk ? 0.06 : 0.16))
        }
        frame.light(
            from: 1, to: 1, angle: 0, hotspot: rng.chance(0.4) ? rng.range(0.1, 0.5) : 0,
            cx: rng.range(0.1, 0.9), cy: rng.range(0.1, 0.9), radius: rng.range(0.05, 0.2), vignette: 0)
        if display.handHeld && fill < 1.2 && rng.chance(0.3) {
            fingers(over: placed[1], in: &frame, rng: &rng)
            notes.tags.append("fingers")
        }
        // Lens blur at the sensor's scale, from sharp (the grid's beat survives) to soft (it is gone).
        let soft = rng.chance(0.3) ? rng.range(Float(1.0), 1.8) : rng.range(Float(0.2), 1.0)
        frame.gaussianBlur(sigma: soft * Float(max(w, h)) / 256)
        camera(&frame, hotspot: 0.15, notes: &notes, rng: &rng)
        return frame
    }

    /// The device's parts besides screen and bezel, as quads: a laptop's keyboard deck, a monitor's or TV's
    /// stand, a kiosk's pedestal.
    private func parts(
        display: Display, hw: Double, bottom: Double, pose: CapturePose, rng: inout SeededGenerator
    ) -> [[Point2]] {
        switch display {
        case .laptop:
            let depth = hw * 2 * rng.range(0.55, 0.7)
            let opening = rng.range(0.9, 1.35)  // angle between deck and screen, from the screen plane
            let y1 = bottom + depth * cos(opening)
            let z1 = depth * sin(opening)
            let side = hw * 1.02
            return [
                [
                    pose.project(x: -side, y: bottom, z: 0), pose.project(x: side, y: bottom, z: 0),
                    pose.project(x: side, y: y1, z: z1), pose.project(x: -side, y: y1, z: z1),
                ]
            ]
        case .monitor, .tv, .kiosk:
            let neck = hw * (display == .kiosk ? 0.5 : rng.range(0.06, 0.14))
            let height = hw * (display == .kiosk ? 0.9 : rng.range(0.15, 0.35))
            let foot = hw * rng.range(0.3, 0.6)
            let footDepth = hw * 0.25
            return [
                pose.project(x0: -neck / 2, y0: bottom, x1: neck / 2, y1: bottom + height),
                [
                    pose.project(x: -foot, y: bottom + height, z: footDepth),
                    pose.project(x: foot, y: bottom + height, z: footDepth),
                    pose.project(x: foot, y: bottom + height, z: -footDepth),
                    pose.project(x: -foot, y: bottom + height, z: -footDepth),
                ],
            ]
        default:
            return []
        }
    }

    /// The device's body as a sprite: rounded corners (`corner`: radius over the shorter side) cut by alpha,
    /// and a rim lit or shaded by `rim` towards the edges (a chamfer catching the light).
    private func deviceBody(colour: (Float, Float, Float), aspect: Double, corner: Double, rim: Float) -> FloatImage {
        let w = aspect >= 1 ? 96 : max(8, Int(96 * aspect))
        let h = aspect >= 1 ? max(8, Int(96 / aspect)) : 96
        var sprite = FloatImage(width: w, height: h, fill: colour)
        sprite.alpha = [Float](repeating: 1, count: w * h)
        let radius = Float(corner) * Float(min(w, h))
        let n = w * h
        for y in 0..<h {
            for x in 0..<w {
                let dx = max(radius - (Float(x) + 0.5), (Float(x) + 0.5) - (Float(w) - radius), 0)
                let dy = max(radius - (Float(y) + 0.5), (Float(y) + 0.5) - (Float(h) - radius), 0)
                let i = y * w + x
                if dx > 0 && dy > 0 {
                    sprite.alpha[i] = min(max(radius - (dx * dx + dy * dy).squareRoot() + 0.5, 0), 1)
                }
                let edge = Float(min(x, y, w - 1 - x, h - 1 - y))
                if edge < 2 {
                    let lift = rim * (1 - edge / 2)
                    for c in 0..<3 { sprite.planes[c * n + i] = min(sprite.planes[c * n + i] + lift, 1) }
                }
            }
        }
        return sprite
    }

    /// Device body: mostly black or dark grey, often silver or white, sometimes a colour.
    private func bodyColour(rng: inout SeededGenerator) -> (Float, Float, Float) {
        let u = rng.uniform()
        if u < 0.5 { return uniformGrey(rng.range(0.02, 0.15), tint: 0.05, rng: &rng) }
        if u < 0.88 { return uniformGrey(rng.range(0.6, 0.95), tint: 0.03, rng: &rng) }
        return (rng.range(0.2, 0.9), rng.range(0.2, 0.9), rng.range(0.2, 0.9))
    }

    /// The largest window of `image` with the given aspect, at a random position.
    func coverCrop(_ image: FloatImage, aspect: Double, rng: inout SeededGenerator) -> FloatImage {
        let iw = Double(image.width)
        let ih = Double(image.height)
        let (cw, ch) = iw / ih > aspect ? (ih * aspect, ih) : (iw, iw / aspect)
        let x = Int(rng.range(0, iw - cw))
        let y = Int(rng.range(0, ih - ch))
        return image.cropped(x: x, y: y, width: max(1, Int(cw)), height: max(1, Int(ch)))
    }
}
