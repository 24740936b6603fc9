import CImageCodecs
import Engine
import Foundation
import Imaging
import XCTest

final class SynthesisTests: XCTestCase {
    func testHomographyMapsTheFourPoints() throws {
        let from: [Point2] = [(0, 0), (10, 0), (10, 8), (0, 8)]
        let to: [Point2] = [(3, 1), (14, 4), (12, 15), (1, 9)]
        let h = try XCTUnwrap(Homography.mapping(from: from, to: to))
        for (a, b) in zip(from, to) {
            let p = h.apply(a)
            XCTAssertEqual(p.x, b.x, accuracy: 1e-9)
            XCTAssertEqual(p.y, b.y, accuracy: 1e-9)
        }
        XCTAssertNil(
            Homography.mapping(from: [(0, 0), (1, 1), (2, 2), (3, 3)], to: to), "collinear points have no homography")
    }

    func testDrawingOntoItsOwnCornersReproducesTheImage() {
        var rng = SeededGenerator(seed: 3)
        var source = FloatImage(width: 9, height: 7)
        for i in source.planes.indices { source.planes[i] = rng.uniform() }
        var canvas = FloatImage(width: 9, height: 7, fill: (1, 0, 1))
        canvas.draw(source, onto: source.corners)
        for i in source.planes.indices { XCTAssertEqual(canvas.planes[i], source.planes[i], accuracy: 1e-5) }
    }

    func testAlphaBlendsAndLeavesTheOutsideAlone() {
        var sprite = FloatImage(width: 4, height: 4, fill: (1, 1, 1))
        sprite.alpha = [Float](repeating: 0.25, count: 16)
        var canvas = FloatImage(width: 12, height: 12)
        canvas.draw(sprite, onto: [(3.5, 3.5), (7.5, 3.5), (7.5, 7.5), (3.5, 7.5)])
        XCTAssertEqual(canvas.planes[5 * 12 + 5], 0.25, accuracy: 1e-4, "inside: a quarter of white over black")
        XCTAssertEqual(canvas.planes[0], 0, "outside the quad nothing changes")
        XCTAssertEqual(canvas.planes[11 * 12 + 11], 0)
    }

    func testJPEGWriterRoundTripsCloseToTheInput() throws {
        var px = [UInt8](repeating: 0, count: 32 * 24 * 3)
        for y in 0..<24 {
            for x in 0..<32 {
                px[3 * (y * 32 + x)] = UInt8(x * 8)
                px[3 * (y * 32 + x) + 1] = UInt8(y * 10)
                px[3 * (y * 32 + x) + 2] = 128
            }
        }
        let image = RGBImage(width: 32, height: 24, pixels: px)
        let data = try JPEGWriter.encode(image, quality: 95)
        XCTAssertEqual(ImageDecoder.format(of: [UInt8](data)), .jpeg)
        let back = try ImageDecoder().decode([UInt8](data), file: "mem.jpg")
        XCTAssertEqual(back.width, 32)
        XCTAssertEqual(back.height, 24)
        let maxDiff = zip(back.pixels, px).map { abs(Int($0) - Int($1)) }.max()!
        XCTAssertLessThan(maxDiff, 12)
    }

    func testPNGAlphaIsKeptByTheRGBADecoderAndDroppedByTheRGBOne() throws {
        var rgba = [UInt8](repeating: 0, count: 4 * 4 * 4)
        for i in 0..<16 {
            rgba[4 * i] = 200
            rgba[4 * i + 1] = 100
            rgba[4 * i + 2] = 50
            rgba[4 * i + 3] = UInt8(i * 16)
        }
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 200)
        XCTAssertEqual(ce_png_encode(rgba, 4, 4, 4, &out, &length, &message), Int32(CE_OK))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("alpha-\(UUID()).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes: out!, count: length).write(to: url)
        ce_free(out)
        let (image, alpha) = try ImageDecoder().decodeWithAlpha(contentsOf: url)
        XCTAssertEqual(alpha, (0..<16).map { UInt8($0 * 16) })
        XCTAssertEqual(Array(image.pixels.prefix(3)), [200, 100, 50])
        XCTAssertEqual(try ImageDecoder().decode(contentsOf: url).pixels, image.pixels)
    }

    func testEveryCaptureKindIsDeterministicForASeedAndLooksDifferentForAnother() {
        let synth = CaptureSynthesizer(sizes: FrameSizes(longSides: 48...64))
        var page = FloatImage(width: 60, height: 80, fill: (1, 1, 1))
        for y in stride(from: 6, to: 74, by: 4) {
            for x in 6..<54 { for c in 0..<3 { page.planes[c * page.plane + y * 60 + x] = 0 } }
        }
        var photo = FloatImage(width: 50, height: 40)
        for i in photo.planes.indices { photo.planes[i] = Float(i % 50) / 50 }
        var object = FloatImage(width: 20, height: 20, fill: (0.9, 0.2, 0.1))
        object.alpha = (0..<400).map { i in
            ((i % 20) - 10) * ((i % 20) - 10) + ((i / 20) - 10) * ((i / 20) - 10) < 64 ? 1 : 0
        }
        let surface = Surface(image: photo, tiles: true)
        let room = Surface(image: photo, tiles: false)
        func captures(_ seed: UInt64, _ synth: CaptureSynthesizer) -> [RGBImage] {
            var rng = SeededGenerator(seed: seed)
            var notes = CaptureNotes()
            var out = DocumentView.allCases.map {
                synth.document(page: page, view: $0, surface: surface, notes: &notes, rng: &rng).rgb8()
            }
            for warp in PageWarp.allCases {
                out.append(
                    synth.document(page: page, view: .photo, surface: surface, shape: warp, notes: &notes, rng: &rng)
                        .rgb8())
            }
            for display in Display.allCases {
                let content = synth.readerView(
                    page: page, dark: display.rawValue.count % 2 == 0, chrome: true, rng: &rng)
                out.append(
                    synth.screen(
                        content: content, display: display, room: room, desk: surface, notes: &notes, rng: &rng
                    )
                    .rgb8())
            }
            out.append(synth.photo(photo, notes: &notes, rng: &rng).rgb8())
            out.append(synth.photo(photo, signText: page, notes: &notes, rng: &rng).rgb8())
            out.append(synth.framedPicture(photo, wall: room, notes: &notes, rng: &rng).rgb8())
            out.append(synth.object([object, object], surface: surface, notes: &notes, rng: &rng).rgb8())
            out.append(synth.texture(surface, notes: &notes, rng: &rng).rgb8())
            return out
        }
        let a = captures(7, synth)
        XCTAssertEqual(a, captures(7, synth))
        for (x, y) in zip(a, captures(8, synth)) { XCTAssertNotEqual(x, y) }
        for (x, y) in zip(a, captures(7, CaptureSynthesizer(sizes: FrameSizes(longSides: 48...64), regime: .shift))) {
            XCTAssertNotEqual(x, y, "the shift regime draws other settings")
        }
        // The shift ablation's regimes: nothing held out is training, everything held out is the shift, and
        // one held-out factor (the light) changes the captures that it touches.
        let sizes = FrameSizes(longSides: 48...64)
        XCTAssertEqual(a, captures(7, CaptureSynthesizer(sizes: sizes, regime: SynthesisRegime(heldOut: []))))
        let shifted = captures(7, CaptureSynthesizer(sizes: sizes, regime: .shift))
        XCTAssertEqual(
            shifted,
            captures(7, CaptureSynthesizer(sizes: sizes, regime: SynthesisRegime(heldOut: Set(ShiftFactor.allCases)))))
        let lightOnly = captures(7, CaptureSynthesizer(sizes: sizes, regime: SynthesisRegime(heldOut: [.light])))
        XCTAssertNotEqual(lightOnly, a)
        XCTAssertNotEqual(lightOnly, shifted)
        let selected = captures(7, CaptureSynthesizer(sizes: sizes, regime: .selection))
        XCTAssertNotEqual(selected, a, "the selection regime draws other settings than training")
        XCTAssertNotEqual(selected, shifted)
        var shapes: Set<String> = []
        for image in a {
            XCTAssertTrue((48...64).contains(max(image.width, image.height)), "\(image.width)×\(image.height)")
            shapes.insert(
                image.width > image.height ? "landscape" : (image.width < image.height ? "portrait" : "square"))
            let mean = image.pixels.reduce(0) { $0 + Int($1) } / image.pixels.count
            XCTAssertTrue(
                (8...250).contains(mean),
                "capture \(a.firstIndex(of: image)!) is neither black nor blown out (mean \(mean))")
        }
        XCTAssertEqual(shapes.count, 3, "portrait, landscape and square frames")
    }

    /// The selection split's settings lie outside the shift's ranges (so choosing a model there does not tune
    /// it to the shift) and, where training's and the shift's ranges leave a gap, outside training's too.
    func testSelectionRangesStayClearOfTheShift() {
        var rng = SeededGenerator(seed: 3)
        let regime = SynthesisRegime.selection
        for _ in 0..<2000 {
            let (gains, exposure) = regime.light(rng: &rng)
            let warmShift = gains.0 >= 1.2 && gains.2 <= 0.75
            let coolShift = gains.0 <= 0.85 && gains.2 >= 1.2
            XCTAssertFalse(warmShift || coolShift, "\(gains)")
            XCTAssertTrue(gains.0 >= 1.12 || gains.2 >= 1.12, "a colour cast beyond training's gains: \(gains)")
            XCTAssertGreaterThan(exposure, 0.65)
            XCTAssertTrue((0.15...1.7).contains(regime.deviceFill(rng: &rng)))
            XCTAssertTrue((0.2...0.3).contains(regime.pageFill(rng: &rng)))
            XCTAssertLessThanOrEqual(regime.moireStrength(rng: &rng), 0.85)
        }
        XCTAssertEqual(regime.noiseFactor, 1.3)
        XCTAssertEqual(regime.sizes(base: FrameSizes()).aspects, [16.0 / 9, 1.9])
        XCTAssertEqual(regime.maxTilt, SynthesisRegime.training.maxTilt)
    }

    func testAFlatPageDrawnInStripsEqualsOneDrawWithoutSeams() {
        let synth = CaptureSynthesizer()
        var page = FloatImage(width: 40, height: 52)
        for i in page.planes.indices { page.planes[i] = Float((i * 7) % 13) / 13 }
        var rng = SeededGenerator(seed: 1)
        let shape = PageWarp.Shape(warp: .flat, rng: &rng)
        let pose = CapturePose(yaw: 0.2, pitch: -0.1, roll: 0.1, distance: 3)
        let strips = synth.warpedStrips(hw: 0.38, hh: 0.5, shape: shape, pose: pose, strips: 9, light: 0)
        let one = synth.warpedStrips(hw: 0.38, hh: 0.5, shape: shape, pose: pose, strips: 1, light: 0)
        func placed(_ s: [PageStrip]) -> [PageStrip] {
            s.map { strip in
                let quad: [Point2] = strip.quad.map { ($0.x * 70 + 40, $0.y * 70 + 40) }
                return (quad, strip.t0, strip.t1, strip.shade)
            }
        }
        var a = FloatImage(width: 80, height: 80, fill: (1, 0, 0))
        var b = a
        synth.drawStrips(page, strips: placed(strips), in: &a)
        synth.drawStrips(page, strips: placed(one), in: &b)
        // Inside the page (its antialiased outline, where neighbouring strips both add a little cover, aside).
        let quad = placed(one)[0].quad
        let box = QuadPlacement.bounds(quad)
        var worst: Float = 0
        var compared = 0
        for y in Int(box.1 + 8)..<Int(box.3 - 8) {
            for x in Int(box.0 + 8)..<Int(box.2 - 8) {
                let i = y * 80 + x
                guard b.planes[i + 6400] > 0.001 || b.planes[i] < 0.999 else { continue }  // not the red background
                compared += 1
                for c in 0..<3 {
                    let d = abs(a.planes[c * 6400 + i] - b.planes[c * 6400 + i])
                    worst = max(worst, d)
                }
            }
        }
        XCTAssertGreaterThan(compared, 1000)
        XCTAssertLessThan(worst, 0.05, "no seam between strips")
    }

    func testDarkModeTurnsWhitePagesDarkAndFingersCoverTheEdge() {
        var page = FloatImage(width: 8, height: 8, fill: (1, 1, 1))
        page.invertLuminance()
        XCTAssertLessThan(page.planes[0], 0.15)
        let synth = CaptureSynthesizer()
        var frame = FloatImage(width: 120, height: 90, fill: (0, 0, 1))
        var rng = SeededGenerator(seed: 4)
        synth.fingers(over: [(20, 20), (100, 20), (100, 70), (20, 70)], in: &frame, rng: &rng)
        let changed = (0..<frame.plane).filter { frame.planes[$0] > 0.2 }.count
        XCTAssertGreaterThan(changed, 100, "skin-coloured pixels were drawn")
    }
}
