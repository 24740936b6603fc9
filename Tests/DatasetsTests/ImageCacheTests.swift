import Datasets
import Foundation
import Imaging
import TestSupport
import XCTest

final class ImageCacheTests: XCTestCase {
    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "cache")
    }

    override func tearDown() {
        tmp = nil
    }

    private func folder() throws -> URL {
        try tmp.folder("cache-\(UUID())")
    }

    func testDecodedImagesComeBackFromTheMappedFileWhichLeavesNoFileBehind() throws {
        let dir = try folder()
        var lines = ["path|label"]
        for i in 0..<5 {
            let image = RGBImage(width: 12, height: 9, fill: (UInt8(i * 40), 7, 200))
            try PNGWriter.write(image, to: dir.appendingPathComponent("\(i).png"))
            lines.append("\(i).png|\(i % 2)")
        }
        try lines.joined(separator: "\n").write(
            to: dir.appendingPathComponent("s.csv"), atomically: true, encoding: .utf8)
        let split = try Split(file: dir.appendingPathComponent("s.csv"), classNames: ["a", "b"])
        let cacheDir = dir.appendingPathComponent("mapped")
        let cache = try ImageCache(split: split, side: 6, directory: cacheDir)
        XCTAssertEqual(cache.count, 5)
        for i in 0..<5 {
            let image = cache.image(i)
            XCTAssertEqual(image.width, 6)
            XCTAssertEqual(Array(image.pixels.prefix(3)), [UInt8(i * 40), 7, 200])
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheDir.path), [], "unlinked once mapped")
    }

    /// Regression: the cache used to free its buffer before throwing and again in `deinit` (SIGABRT on a
    /// split with a corrupt image). Now the error comes back and the process goes on.
    func testACorruptImageIsReportedWithoutFreeingTheCacheTwice() throws {
        let dir = try folder()
        try PNGWriter.write(RGBImage(width: 4, height: 4), to: dir.appendingPathComponent("good.png"))
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: dir.appendingPathComponent("bad.png"))
        try "path|label\ngood.png|a\nbad.png|b\n".write(
            to: dir.appendingPathComponent("s.csv"), atomically: true, encoding: .utf8)
        let split = try Split(file: dir.appendingPathComponent("s.csv"), classNames: ["a", "b"])
        for _ in 0..<3 {
            XCTAssertThrowsError(try ImageCache(split: split, side: 8, directory: dir)) { error in
                XCTAssertTrue("\(error)".contains("s.csv:3:"), "\(error)")
            }
        }
    }
}
