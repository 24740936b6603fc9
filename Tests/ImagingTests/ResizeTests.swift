import Engine
import Foundation
import Imaging
import Model
import XCTest

/// Resize and normalisation against `resize_parity.safetensors` (Pillow 13).
final class ResizeTests: XCTestCase {
    private let parity = fixtures.appendingPathComponent("resize_parity.safetensors")

    func testSourceDecodesToFixturePixels() throws {
        let f = try SafeTensorsFile(contentsOf: parity)
        let png = try ImageDecoder().decode(contentsOf: fixtures.appendingPathComponent("resize_source.png"))
        XCTAssertEqual(png.pixels, try f.bytes("source_rgb").values)
        let jpg = try ImageDecoder().decode(contentsOf: fixtures.appendingPathComponent("resize_source.jpg"))
        let expected = try f.bytes("source_jpeg_decoded_rgb").values
        XCTAssertEqual(jpg.pixels.count, expected.count)
        let maxDiff = zip(jpg.pixels, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(maxDiff, 1, "JPEG decode equals Pillow's (libjpeg-turbo)")
    }

    func testBilinearMatchesPillowWithinOneLevel() throws {
        let f = try SafeTensorsFile(contentsOf: parity)
        let (shape, source) = try f.bytes("source_rgb")
        let image = RGBImage(width: shape[1], height: shape[0], pixels: source)
        let resized = Resize.bilinear(image, width: 128, height: 128)
        let expected = try f.bytes("resized_bilinear_rgb").values
        let diffs = zip(resized.pixels, expected).map { abs(Int($0) - Int($1)) }
        XCTAssertLessThanOrEqual(diffs.max() ?? 99, 1)
        let exact = diffs.filter { $0 == 0 }.count
        XCTAssertGreaterThan(Double(exact) / Double(diffs.count), 0.99, "nearly every pixel is exact")
    }

    func testUpscaleAndIdentity() {
        let tiny = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 255, 255, 255])
        let up = Resize.bilinear(tiny, width: 4, height: 1)
        // Pillow: [0, 64, 191, 255] for a 2→4 bilinear upscale of a black/white pair.
        XCTAssertEqual(stride(from: 0, to: 12, by: 3).map { up.pixels[$0] }, [0, 64, 191, 255])
        XCTAssertEqual(Resize.bilinear(tiny, width: 2, height: 1), tiny)
    }

    func testNormalisedTensorMatchesFixture() throws {
        let f = try SafeTensorsFile(contentsOf: parity)
        let (shape, source) = try f.bytes("source_rgb")
        let t = Preprocessing().tensor(from: RGBImage(width: shape[1], height: shape[0], pixels: source))
        let expected = try f.tensor("normalized_chw")
        XCTAssertEqual(t.shape, [1, 3, 128, 128])
        var maxDiff: Float = 0
        for i in 0..<t.count { maxDiff = max(maxDiff, abs(t.data[i] - expected.data[i])) }
        XCTAssertLessThan(maxDiff, 1.0 / 255 / 0.224 + 1e-5, "at most one grey level apart")
    }
}
