import Foundation
import TestSupport
import XCTest

/// `register` / `match` / `remove` round trip on a gallery of the twelve samples.
final class GalleryCLITests: XCTestCase {
    func match(_ image: String, gallery: URL, extra: [String] = []) throws -> (ProcessResult, PredictionLine?) {
        let r = try tool(["match", image, "--gallery", gallery.path, "--json"] + extra)
        return (r, try? decodeLines(PredictionLine.self, r).first)
    }

    func testRegisterMatchRemove() throws {
        let temp = try TemporaryDirectory()
        let gallery = temp.file("g.sqlite")
        let reg = try tool(["register", "Data/samples", "--gallery", gallery.path])
        assertExit(reg, 0)
        for name in Tool.sampleNames {
            let label = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
            XCTAssertTrue(reg.stdout.split(separator: "\n").contains { $0.hasPrefix("registered \(label)") }, label)
        }
        XCTAssertTrue(reg.stdout.contains("12 templates registered; the gallery \(gallery.path) holds 12"), reg.stdout)

        // A registered image finds itself; the threshold is the shipped model's 1e-2 level.
        let (r, found) = try match("Data/samples/screen_1.jpg", gallery: gallery)
        assertExit(r, 0)
        let m = try XCTUnwrap(try XCTUnwrap(found, "\(r)").match, r.stdout)
        XCTAssertEqual(m.label, "screen_1")
        XCTAssertEqual(m.similarity, 1, accuracy: 1e-4)
        XCTAssertTrue(m.matched)
        XCTAssertEqual(m.fpr, 1e-2)
        let level = try XCTUnwrap(StoredThreshold.table(of: Tool.shippedModel).first { $0.fprTarget == 1e-2 })
        XCTAssertEqual(m.threshold, level.threshold, accuracy: 1e-6)
        XCTAssertNil(found?.embedding, "match prints no embedding")
        XCTAssertEqual(found?.class, "screen")

        // A threshold that is no cosine similarity is refused before anything runs.
        let (outside, _) = try match("Data/samples/screen_1.jpg", gallery: gallery, extra: ["--threshold", "1.5"])
        assertExit(outside, 64)
        XCTAssertTrue(outside.stderr.contains("--threshold 1.5 is not a cosine similarity"), outside.stderr)

        let removed = try tool(["remove", "screen_1", "--gallery", gallery.path])
        assertExit(removed, 0)
        XCTAssertTrue(removed.stdout.contains("removed 1; the gallery \(gallery.path) holds 11"), removed.stdout)

        let (again, afterRemoval) = try match("Data/samples/screen_1.jpg", gallery: gallery)
        assertExit(again, 0)
        let next = try XCTUnwrap(afterRemoval?.match, again.stdout)
        XCTAssertNotEqual(next.label, "screen_1")
        XCTAssertLessThan(next.similarity, 0.9999)
        // A hand threshold above the best similarity: no match, no FPR level.
        let (strict, strictLine) = try match(
            "Data/samples/screen_1.jpg", gallery: gallery, extra: ["--threshold", "0.9999"])
        assertExit(strict, 0)
        let s = try XCTUnwrap(strictLine?.match, strict.stdout)
        XCTAssertFalse(s.matched)
        XCTAssertNil(s.fpr)
        XCTAssertEqual(s.label, next.label)

        // Removing it twice: reported, exit 1.
        let twice = try tool(["remove", "screen_1", "--gallery", gallery.path])
        assertExit(twice, 1)
        XCTAssertTrue(twice.stderr.contains("not in the gallery: screen_1"), twice.stderr)
    }

    /// Text mode of `match` (`predict --gallery` without the embedding).
    func testMatchTextOutput() throws {
        let temp = try TemporaryDirectory()
        let gallery = temp.file("g.sqlite")
        assertExit(try tool(["register", "Data/samples", "--gallery", gallery.path]), 0)
        let r = try tool(["match", "Data/samples/document_2.jpg", "--gallery", gallery.path])
        assertExit(r, 0)
        XCTAssertTrue(r.stdout.hasPrefix("Data/samples/document_2.jpg: document ("), r.stdout)
        XCTAssertTrue(r.stdout.contains("  match: document_2  similarity 1.0000 ≥ threshold "), r.stdout)
        XCTAssertFalse(r.stdout.contains("embedding["), r.stdout)
    }

    func testMissingGalleryIsNotCreatedByMatch() throws {
        let temp = try TemporaryDirectory()
        let gallery = temp.file("none.sqlite")
        let r = try tool(["match", "Data/samples/screen_1.jpg", "--gallery", gallery.path])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("no such gallery"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: gallery.path))
    }

    /// A gallery registered with the shipped model is refused by another model (the tiny trained one).
    func testGalleryOfAnotherModelIsRefused() throws {
        let run = try TinyTraining.run()
        let temp = try TemporaryDirectory()
        let gallery = temp.file("g.sqlite")
        assertExit(try tool(["register", "Data/samples", "--gallery", gallery.path]), 0)
        let r = try tool(["match", "Data/samples/screen_1.jpg", "--gallery", gallery.path, "--model", run.model.path])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("was made by another model"), r.stderr)
        XCTAssertTrue(r.stdout.isEmpty, r.stdout)
        let reg = try tool(["register", "Data/samples", "--gallery", gallery.path, "--model", run.model.path])
        assertFailure(reg)
        XCTAssertTrue(reg.stderr.contains("was made by another model"), reg.stderr)
    }
}
