import Datasets
import Engine
import Foundation
import Imaging
import XCTest

final class DatasetBuilderTests: XCTestCase {
    /// A sources folder like Tools/fetch-sources writes, with tiny drawn images.
    static func makeSources() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sources-\(UUID())")
        var manifest: [String] = []
        var rng = SeededGenerator(seed: 11)
        func save(_ kind: String, _ name: String, _ image: RGBImage) throws {
            let rel = "\(kind)/pkg/\(name).png"
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("\(kind)/pkg"), withIntermediateDirectories: true)
            try PNGWriter.write(image, to: root.appendingPathComponent(rel))
            manifest.append("\(kind)|\(rel)|pkg")
        }
        for i in 0..<24 {
            var page = RGBImage(width: 48, height: 64, fill: (255, 255, 255))
            for y in stride(from: 4 + i % 3, to: 60, by: 3 + i % 4) {
                for x in 4..<44 {
                    page.pixels[3 * (y * 48 + x)] = 0
                    page.pixels[3 * (y * 48 + x) + 1] = 0
                    page.pixels[3 * (y * 48 + x) + 2] = 0
                }
            }
            try save("document", "page\(i)", page)
            var photo = RGBImage(width: 40, height: 30)
            for j in photo.pixels.indices {
                photo.pixels[j] = UInt8(truncatingIfNeeded: rng.next()) / 2 &+ UInt8(j % 90)
            }
            try save(i % 3 == 0 ? "surface" : "photo", "photo\(i)", photo)
            var shot = RGBImage(width: 40, height: 30, fill: (230, 230, 240))
            for x in 0..<40 { for y in 0..<(4 + i % 5) { shot.pixels[3 * (y * 40 + x) + 2] = 120 } }
            try save("screen", "shot\(i)", shot)
        }
        manifest.append("object|\(manifest.first { $0.hasPrefix("photo") }!.split(separator: "|")[1])|pkg")
        try manifest.joined(separator: "\n").write(
            to: root.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        return root
    }

    func build(_ sources: URL, seed: UInt64) throws -> (URL, DatasetSummary) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("dataset-\(UUID())")
        var s = DatasetBuildSettings(sources: sources, output: out)
        s.trainCaptures = 90
        s.longSide = 48
        s.seed = seed
        s.validationFraction = 0.2
        s.testFraction = 0.2
        return (out, try DatasetBuilder(settings: s).build())
    }

    func testBuildsDisjointDeterministicSplitsThatLoad() throws {
        let sources = try Self.makeSources()
        let (a, summary) = try build(sources, seed: 5)
        let (b, _) = try build(sources, seed: 5)
        XCTAssertTrue(summary.skipped.isEmpty, "\(summary.skipped)")
        var identities: [String: Set<String>] = [:]
        for split in ["train", "val", "test"] {
            let file = a.appendingPathComponent("\(split).csv")
            let text = try String(contentsOf: file, encoding: .utf8)
            XCTAssertEqual(
                text, try String(contentsOf: b.appendingPathComponent("\(split).csv"), encoding: .utf8),
                "same seed, same split")
            let parsed = try Split(file: file, classNames: DatasetBuilder.classNames)
            XCTAssertFalse(parsed.rows.isEmpty, split)
            identities[split] = Set(parsed.identities)
            XCTAssertEqual(Set(parsed.rows.compactMap(\.label)).count, 3, "\(split) has all three classes")
        }
        XCTAssertTrue(
            identities["train"]!.isDisjoint(with: identities["test"]!), "zero-shot: test identities never in training")
        XCTAssertTrue(identities["train"]!.isDisjoint(with: identities["val"]!))
        let firstImage = try String(contentsOf: a.appendingPathComponent("train.csv"), encoding: .utf8).split(
            separator: "\n")[1].split(separator: "|")[0]
        XCTAssertEqual(
            try Data(contentsOf: a.appendingPathComponent(String(firstImage))),
            try Data(contentsOf: b.appendingPathComponent(String(firstImage))), "captures are byte-identical")
        let train = summary.captures["train"]!
        XCTAssertGreaterThanOrEqual(train.values.reduce(0, +), 60)
        for name in DatasetBuilder.classNames { XCTAssertGreaterThan(train[name] ?? 0, 10, name) }

        let (c, _) = try build(sources, seed: 6)
        XCTAssertNotEqual(
            try String(contentsOf: c.appendingPathComponent("test.csv"), encoding: .utf8),
            try String(contentsOf: a.appendingPathComponent("test.csv"), encoding: .utf8), "another seed, another split"
        )
        let sheet = a.appendingPathComponent("sheet.png")
        try ContactSheet.write(
            split: a.appendingPathComponent("train.csv"), to: sheet, perClass: 4, columns: 4, cell: 32)
        XCTAssertGreaterThan(try ImageDecoder().decode(contentsOf: sheet).width, 4 * 32)
    }

    func testAMalformedManifestNamesTheLine() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sources-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try "document|a.png|pkg\nvideo|b.mp4|pkg\n".write(
            to: root.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SourceManifest(folder: root)) { e in
            XCTAssertTrue("\(e)".contains("manifest.csv:2:"), "\(e)")
        }
        XCTAssertThrowsError(try SourceManifest(folder: root.appendingPathComponent("nowhere"))) { e in
            XCTAssertTrue("\(e)".contains("Tools/fetch-sources"), "\(e)")
        }
    }
}
