import Foundation
import Imaging
import XCTest

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// Decoding every PNG/JPEG flavour against Pillow's `exif_transpose(open(f)).convert("RGB")`.
final class DecoderTests: XCTestCase {
    private func pillow(_ name: String) throws -> RGBImage {
        let dir = fixtures.appendingPathComponent("images")
        let size = try String(contentsOf: dir.appendingPathComponent(name + ".size"), encoding: .utf8)
            .split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        let bytes = try Data(contentsOf: dir.appendingPathComponent(name + ".rgb"))
        return RGBImage(width: size[0], height: size[1], pixels: [UInt8](bytes))
    }

    private func decode(_ name: String) throws -> RGBImage {
        try ImageDecoder().decode(contentsOf: fixtures.appendingPathComponent("images/" + name))
    }

    /// Our decode of each file against Pillow's, within `tolerance` grey levels per channel.
    private func assertMatchesPillow(_ names: [String], tolerance: Int, line: UInt = #line) throws {
        for name in names {
            let ours = try decode(name)
            let theirs = try pillow(name)
            XCTAssertEqual([ours.width, ours.height], [theirs.width, theirs.height], name, line: line)
            let maxDiff = zip(ours.pixels, theirs.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(maxDiff, tolerance, name, line: line)
        }
    }

    func testPNGFlavoursEqualPillow() throws {
        try assertMatchesPillow(
            ["rgb8.png", "rgba8.png", "grey8.png", "greyalpha8.png", "palette.png", "interlaced.png", "rgb16.png"],
            tolerance: 0)
    }

    func testJPEGFlavoursEqualPillow() throws {
        try assertMatchesPillow(["baseline.jpg", "progressive.jpg", "grey.jpg", "cmyk.jpg"], tolerance: 1)
    }

    func testExifOrientationLikeExifTranspose() throws {
        try assertMatchesPillow(
            ["orientation3.jpg", "orientation6.jpg", "orientation8.jpg", "orientation6.png"], tolerance: 1)
        let upright = try ImageDecoder(appliesExifOrientation: false)
            .decode(contentsOf: fixtures.appendingPathComponent("images/orientation6.jpg"))
        XCTAssertEqual([upright.width, upright.height], [37, 23], "orientation can be left alone")
    }

    func testDamagedFilesGiveTypedErrorsNamingTheFile() {
        let cases: [(String, (ImageError) -> Bool)] = [
            (
                "truncated.png",
                {
                    if case .corrupt = $0 { return true }
                    return false
                }
            ),
            (
                "truncated.jpg",
                {
                    if case .corrupt = $0 { return true }
                    return false
                }
            ),
            (
                "random.bin",
                {
                    if case .notAnImage = $0 { return true }
                    return false
                }
            ),
            (
                "huge_header.png",
                {
                    if case .tooLarge(_, 100000, 100000, 64_000_000) = $0 { return true }
                    return false
                }
            ),
            (
                "does-not-exist.png",
                {
                    if case .unreadable = $0 { return true }
                    return false
                }
            ),
        ]
        for (name, matches) in cases {
            XCTAssertThrowsError(try decode(name), name) { error in
                guard let e = error as? ImageError else { return XCTFail("\(name): \(error) is not an ImageError") }
                XCTAssertTrue(matches(e), "\(name): \(e)")
                XCTAssertTrue(e.description.contains(name), "message names the file: \(e)")
            }
        }
    }

    func testPixelLimitIsConfigurable() throws {
        XCTAssertThrowsError(
            try ImageDecoder(maxPixels: 100).decode(contentsOf: fixtures.appendingPathComponent("images/rgb8.png")))
        XCTAssertThrowsError(
            try ImageDecoder(maxPixels: 100).decode(contentsOf: fixtures.appendingPathComponent("images/baseline.jpg")))
        XCTAssertNoThrow(
            try ImageDecoder(maxPixels: 37 * 23).decode(contentsOf: fixtures.appendingPathComponent("images/rgb8.png")))
    }

    func testEveryPrefixOfAValidFileFailsCleanly() throws {
        for name in ["rgb8.png", "progressive.jpg"] {
            let bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("images/" + name)))
            for cut in stride(from: 0, to: bytes.count - 1, by: max(1, bytes.count / 60)) {
                XCTAssertThrowsError(
                    try ImageDecoder().decode(Array(bytes[0..<cut]), file: name), "\(name) cut at \(cut)")
            }
        }
    }

    func testPNGWriteReadRoundTrip() throws {
        let original = try decode("rgb8.png")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID()).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try PNGWriter.write(original, to: url)
        XCTAssertEqual(try ImageDecoder().decode(contentsOf: url), original)
    }
}
