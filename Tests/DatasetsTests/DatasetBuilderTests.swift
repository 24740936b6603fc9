import Datasets
import Engine
import Foundation
import Imaging
import TestSupport
import XCTest

final class DatasetBuilderTests: XCTestCase {
    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "dataset")
    }

    override func tearDown() {
        tmp = nil
    }

    /// A sources folder like Tools/fetch-sources writes, with tiny drawn images, inside `folder`.
    static func makeSources(in folder: TemporaryDirectory) throws -> URL {
        let root = folder.file("sources-\(UUID())")
        var manifest: [String] = []
        var rng = SeededGenerator(seed: 11)
        func save(_ kind: String, _ name: String, _ image: RGBImage, pool: String = "train") throws {
            let package = pool == "shift" ? "held-out" : "pkg"
            let rel = "\(kind)/\(package)/\(name).png"
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("\(kind)/\(package)"), withIntermediateDirectories: true)
            try PNGWriter.write(image, to: root.appendingPathComponent(rel))
            manifest.append("\(kind)|\(rel)|\(package)|\(pool)")
        }
        for i in 0..<30 {
            let pool = i >= 24 ? "shift" : "train"
            var page = RGBImage(width: 48, height: 64, fill: (255, 255, 255))
            for y in stride(from: 4 + i % 3, to: 60, by: 3 + i % 4) {
                for x in 4..<44 {
                    page.pixels[3 * (y * 48 + x)] = 0
                    page.pixels[3 * (y * 48 + x) + 1] = 0
                    page.pixels[3 * (y * 48 + x) + 2] = 0
                }
            }
            try save("document", "page\(i)", page, pool: pool)
            var photo = RGBImage(width: 40, height: 30)
            for j in photo.pixels.indices {
                photo.pixels[j] = UInt8(truncatingIfNeeded: rng.next()) / 2 &+ UInt8(j % 90)
            }
            try save(i % 3 == 0 && pool == "train" ? "surface" : "photo", "photo\(i)", photo, pool: pool)
            var shot = RGBImage(width: 40, height: 30, fill: (230, 230, 240))
            for x in 0..<40 { for y in 0..<(4 + i % 5) { shot.pixels[3 * (y * 40 + x) + 2] = 120 } }
            try save("screen", "shot\(i)", shot, pool: pool)
        }
        manifest.append("object|\(manifest.first { $0.hasPrefix("photo") }!.split(separator: "|")[1])|pkg")
        manifest.append("object|\(manifest.last { $0.hasPrefix("photo") }!.split(separator: "|")[1])|held-out|shift")
        try manifest.joined(separator: "\n").write(
            to: root.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        return root
    }

    static func settings(_ sources: URL, seed: UInt64, out: URL? = nil) -> DatasetBuildSettings {
        // Beside the sources, so that it goes with their temporary folder.
        let out = out ?? sources.deletingLastPathComponent().appendingPathComponent("dataset-\(UUID())")
        var s = DatasetBuildSettings(sources: sources, output: out)
        s.trainCaptures = 90
        s.sizes = FrameSizes(longSides: 40...64)
        s.seed = seed
        s.validationFraction = 0.2
        s.testFraction = 0.2
        s.shiftCapturesPerClass = 12
        s.chunkSize = 5
        return s
    }

    func build(_ sources: URL, seed: UInt64) throws -> (URL, DatasetSummary) {
        let s = Self.settings(sources, seed: seed)
        return (s.output, try DatasetBuilder(settings: s).build())
    }

    func testBuildsDisjointDeterministicSplitsThatLoad() throws {
        let sources = try Self.makeSources(in: tmp)
        let (a, summary) = try build(sources, seed: 5)
        let (b, _) = try build(sources, seed: 5)
        XCTAssertTrue(summary.skipped.isEmpty, "\(summary.skipped)")
        var identities: [String: Set<String>] = [:]
        for split in ["train", "val", "test", "shift"] {
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
        XCTAssertTrue(identities["train"]!.isDisjoint(with: identities["shift"]!))
        // Every capture is listed with its kind; shift captures come only from the shift pool's package.
        let table = try String(contentsOf: a.appendingPathComponent("captures.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { try XCTUnwrap(CaptureRow(line: String($0))) }
        XCTAssertEqual(table.count, summary.captures.values.flatMap(\.values).reduce(0, +))
        XCTAssertEqual(Set(table.filter { $0.split == "shift" }.map(\.package)), ["held-out"])
        XCTAssertFalse(table.filter { $0.split != "shift" }.contains { $0.package == "held-out" })
        XCTAssertGreaterThanOrEqual(Set(table.map(\.kind)).count, 8, "\(Set(table.map(\.kind)))")
        XCTAssertGreaterThanOrEqual(Set(table.map { "\($0.kind.label)" }).count, 3)
        for row in table { XCTAssertEqual(row.kind.label, row.label) }
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

    /// The selection split: the validation split's identities and capture budgets, photographed afresh in the
    /// selection ranges into a folder of its own, and only that split.
    func testTheSelectionSplitHasTheValidationIdentitiesPhotographedAnew() throws {
        let sources = try Self.makeSources(in: tmp)
        let (full, summary) = try build(sources, seed: 5)
        var settings = Self.settings(sources, seed: 5)
        settings.selectionFor = full
        let selection = try DatasetBuilder(settings: settings).build()
        XCTAssertEqual(Set(selection.captures.keys), ["selection"])
        XCTAssertEqual(selection.captures["selection"], summary.captures["val"], "the same budget per class")
        let val = try Split(file: full.appendingPathComponent("val.csv"), classNames: DatasetBuilder.classNames)
        let picked = try Split(
            file: settings.output.appendingPathComponent("selection.csv"), classNames: DatasetBuilder.classNames)
        XCTAssertEqual(Set(picked.identities), Set(val.identities))
        XCTAssertEqual(picked.rows.count, val.rows.count)
        for split in ["train", "val", "test", "shift"] {
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: settings.output.appendingPathComponent("\(split).csv").path))
        }
        let first = try XCTUnwrap(picked.rows.first)
        XCTAssertTrue(first.path.path.contains("/selection/"), first.path.path)
        let table = try String(contentsOf: settings.output.appendingPathComponent("captures.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { try XCTUnwrap(CaptureRow(line: String($0))) }
        XCTAssertEqual(Set(table.map(\.split)), ["selection"])
        XCTAssertFalse(table.contains { $0.package == "held-out" }, "never the shift pool")
        // Another seed would plan other validation identities: refused, naming the data set's key file.
        var other = Self.settings(sources, seed: 6)
        other.selectionFor = full
        XCTAssertThrowsError(try DatasetBuilder(settings: other).build()) { error in
            XCTAssertTrue("\(error)".contains(full.appendingPathComponent("progress/key.txt").path), "\(error)")
            XCTAssertTrue("\(error)".contains("--seed"), "\(error)")
        }
        other.selectionFor = sources
        XCTAssertThrowsError(try DatasetBuilder(settings: other).build()) { error in
            XCTAssertTrue("\(error)".contains("is missing"), "\(error)")
        }
    }

    /// A build killed part-way (chunk records and captures of the last chunks missing) continues and ends
    /// with the same files as an uninterrupted build; other settings in the same folder are refused.
    func testAKilledBuildResumesToTheSameFiles() throws {
        let sources = try Self.makeSources(in: tmp)
        let whole = Self.settings(sources, seed: 3)
        _ = try DatasetBuilder(settings: whole).build()
        let partial = Self.settings(sources, seed: 3)
        _ = try DatasetBuilder(settings: partial).build()
        let progress = partial.output.appendingPathComponent("progress")
        let chunks = try FileManager.default.contentsOfDirectory(atPath: progress.path).filter { $0.hasPrefix("chunk") }
            .sorted()
        XCTAssertGreaterThan(chunks.count, 3)
        for name in chunks.suffix(2) { try FileManager.default.removeItem(at: progress.appendingPathComponent(name)) }
        let csv = partial.output.appendingPathComponent("train.csv")
        let firstTrain = String(
            try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")[1].split(separator: "|")[0])
        try FileManager.default.removeItem(at: partial.output.appendingPathComponent("train.csv"))
        var lines: [String] = []
        let resumed = try DatasetBuilder(settings: partial).build { lines.append($0) }
        XCTAssertEqual(resumed.resumedChunks, chunks.count - 2)
        XCTAssertTrue(lines.contains { $0.contains("resuming") }, "\(lines)")
        for name in ["train.csv", "val.csv", "test.csv", "shift.csv", "captures.csv"] {
            XCTAssertEqual(
                try Data(contentsOf: whole.output.appendingPathComponent(name)),
                try Data(contentsOf: partial.output.appendingPathComponent(name)), name)
        }
        XCTAssertEqual(
            try Data(contentsOf: whole.output.appendingPathComponent(firstTrain)),
            try Data(contentsOf: partial.output.appendingPathComponent(firstTrain)))
        XCTAssertNotNil(resumed.stages["captures"])
        var other = partial
        other.seed = 4
        XCTAssertThrowsError(try DatasetBuilder(settings: other).build()) { e in
            XCTAssertTrue("\(e)".contains("other settings"), "\(e)")
        }
    }

    func testAMalformedManifestNamesTheLine() throws {
        let root = try tmp.folder("sources-\(UUID())")
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
