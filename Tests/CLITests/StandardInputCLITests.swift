import Foundation
import TestSupport
import XCTest

/// `-` (and `/dev/stdin`) as an image argument: one image read from standard input.
final class StandardInputCLITests: XCTestCase {
    var screen: Data { (try? Data(contentsOf: Tool.samples.appendingPathComponent("screen_1.jpg"))) ?? Data() }

    /// `predict -` classifies the piped image exactly as the file itself, named `-`; `/dev/stdin` too.
    func testPredictReadsStandardInput() throws {
        let file = try XCTUnwrap(
            try decodeLines(
                PredictionLine.self, try tool(["Data/samples/screen_1.jpg", "--json", "--embedding", "full"])
            )
            .first)
        for spelling in ["-", "/dev/stdin"] {
            let r = try tool([spelling, "--json", "--embedding", "full"], standardInput: screen)
            assertExit(r, 0)
            let piped = try XCTUnwrap(try decodeLines(PredictionLine.self, r).first, r.stdout)
            XCTAssertEqual(piped.file, "-", spelling)
            XCTAssertEqual(piped.class, "screen", spelling)
            XCTAssertEqual(piped.embedding, file.embedding, "\(spelling): the same image, the same embedding")
        }
        let mixed = try tool(["Data/samples/document_1.jpg", "-"], standardInput: screen)
        assertExit(mixed, 0)
        XCTAssertTrue(mixed.stdout.contains("Data/samples/document_1.jpg: document ("), mixed.stdout)
        XCTAssertTrue(mixed.stdout.contains("\n-: screen ("), mixed.stdout)
    }

    /// `verify - FILE` compares the piped image with the file; `gradcam -` explains the piped image.
    func testVerifyAndGradCAMReadStandardInput() throws {
        let same = try tool(["verify", "-", "Data/samples/screen_1.jpg", "--json"], standardInput: screen)
        assertExit(same, 0)
        let line = try JSONDecoder().decode(VerifyCLITests.VerifyLine.self, from: Data(same.stdout.utf8))
        XCTAssertEqual(line.first, "-")
        XCTAssertEqual(line.similarity, 1, accuracy: 1e-4)

        let temp = try TemporaryDirectory()
        let out = temp.file("cam.png")
        let cam = try tool(["gradcam", "-", "--out", out.path], standardInput: screen)
        assertExit(cam, 0)
        XCTAssertTrue(cam.stdout.hasPrefix("-: Grad-CAM of class "), cam.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.path))
        let reference = try tool(
            ["gradcam", "Data/samples/screen_2.jpg", "--reference", "-", "--out", out.path], standardInput: screen)
        assertExit(reference, 0)
        XCTAssertTrue(reference.stdout.contains("similarity "), reference.stdout)
    }

    /// Standard input holds one image: `-` twice is an error saying so; empty or non-image input is that
    /// image's error, named `-`.
    func testClearErrors() throws {
        let twice = try tool(["verify", "-", "/dev/stdin"], standardInput: screen)
        assertExit(twice, 1)
        XCTAssertTrue(twice.stderr.contains("standard input is given twice (- and /dev/stdin)"), twice.stderr)

        let empty = try tool(["-"], standardInput: Data())
        assertExit(empty, 1)
        XCTAssertTrue(empty.stderr.contains("standard input is empty"), empty.stderr)
        XCTAssertFalse(empty.stderr.contains("permission"), empty.stderr)

        let text = try tool(["-", "--json"], standardInput: Data("not an image".utf8))
        assertExit(text, 1)
        let line = try XCTUnwrap(try decodeLines(PredictionLine.self, text).first)
        XCTAssertEqual(line.file, "-")
        XCTAssertFalse(line.ok)
        XCTAssertTrue(try XCTUnwrap(line.error).contains("standard input (-)"), "\(line.error ?? "")")
    }
}
