import Foundation
import TestSupport
import XCTest

/// `classify-and-embed IMAGE…` (the default command, `predict`) with the shipped model on `Data/samples`.
final class PredictCLITests: XCTestCase {
    /// Every sample: one JSON line each, in sorted order, the class its file name states, probabilities that
    /// sum to 1, a unit-norm 256-d embedding, one model id.
    func testJSONWithFullEmbeddingForEverySample() throws {
        let r = try tool(["Data/samples", "--json", "--embedding", "full"])
        assertExit(r, 0)
        let lines = try decodeLines(PredictionLine.self, r)
        XCTAssertEqual(lines.count, 12, "\(r)")
        XCTAssertEqual(lines.map(\.file), Tool.sampleNames.map { "Data/samples/\($0)" }, "files as given, sorted")
        for p in lines {
            XCTAssertTrue(p.ok, p.file)
            XCTAssertNil(p.error, p.file)
            XCTAssertEqual(p.class, Tool.classOfSample(p.file), p.file)
            let probabilities = try XCTUnwrap(p.probabilities, p.file)
            XCTAssertEqual(probabilities.keys.sorted(), Tool.classNames, p.file)
            XCTAssertEqual(probabilities.values.reduce(0, +), 1, accuracy: 1e-4, p.file)
            XCTAssertTrue(probabilities.values.allSatisfy { $0 >= 0 && $0 <= 1 }, p.file)
            XCTAssertEqual(probabilities.max { $0.value < $1.value }?.key, p.class, "the class is the most probable")
            let embedding = try XCTUnwrap(p.embedding, p.file)
            XCTAssertEqual(embedding.count, 256, p.file)
            XCTAssertEqual(p.embeddingSize, 256, p.file)
            XCTAssertEqual(euclideanNorm(embedding), 1, accuracy: 1e-3, p.file)
            XCTAssertNil(p.match, "no gallery, no match key")
            XCTAssertTrue(p.modelID.count == 16 && p.modelID.allSatisfy(\.isHexDigit), "model_id \(p.modelID)")
        }
        XCTAssertEqual(Set(lines.map(\.modelID)).count, 1)
    }

    /// `short` (the default) prints the first 8 values of the full embedding; `none` prints none; the full
    /// length is reported either way.
    func testShortAndNoEmbeddingOutput() throws {
        let full = try decodeLines(PredictionLine.self, try tool(["Data/samples", "--json", "--embedding", "full"]))
        let shortRun = try tool(["Data/samples", "--json", "--embedding", "short"])
        assertExit(shortRun, 0)
        let short = try decodeLines(PredictionLine.self, shortRun)
        let byDefault = try decodeLines(PredictionLine.self, try tool(["Data/samples", "--json"]))
        let noneRun = try tool(["Data/samples", "--json", "--embedding", "none"])
        assertExit(noneRun, 0)
        let none = try decodeLines(PredictionLine.self, noneRun)
        XCTAssertEqual(short.count, 12)
        XCTAssertEqual(full.count, 12)
        XCTAssertEqual(none.count, 12)
        for (s, f) in zip(short, full) {
            let values = try XCTUnwrap(s.embedding)
            XCTAssertEqual(values.count, 8, s.file)
            XCTAssertEqual(s.embeddingSize, 256, s.file)
            XCTAssertLessThanOrEqual(maxAbsDifference(values, try XCTUnwrap(f.embedding).prefix(8)), 1e-6, s.file)
            XCTAssertEqual(s.class, f.class)
        }
        XCTAssertEqual(byDefault.map(\.embedding), short.map(\.embedding), "short is the default")
        for n in none {
            XCTAssertNil(n.embedding, n.file)
            XCTAssertEqual(n.embeddingSize, 256, n.file)
            XCTAssertNotNil(n.class, n.file)
        }
        XCTAssertFalse(noneRun.stdout.contains("\"embedding\""), "no embedding key with --embedding none")
    }

    /// Text mode: per image `path: class (name p, …)` and an `embedding[256]: …` line.
    func testTextOutputNamesEveryFile() throws {
        let r = try tool(["Data/samples"])
        assertExit(r, 0)
        let lines = r.stdoutLines
        for name in Tool.sampleNames {
            let path = "Data/samples/\(name)"
            let header = lines.firstIndex { $0.hasPrefix("\(path): ") }
            guard let header else {
                XCTFail("\(path) not printed:\n\(r.stdout)")
                continue
            }
            let text = lines[header]
            XCTAssertTrue(text.hasPrefix("\(path): \(Tool.classOfSample(name)) ("), text)
            for c in Tool.classNames { XCTAssertTrue(text.contains("\(c) 0.") || text.contains("\(c) 1.000"), text) }
            XCTAssertTrue(lines[header + 1].hasPrefix("  embedding[256]: "), lines[header + 1])
            XCTAssertTrue(lines[header + 1].hasSuffix(" …"), "short is the default: \(lines[header + 1])")
        }
        XCTAssertEqual(lines.count, 24, r.stdout)
    }

    /// A corrupt image among good ones: its line says `ok: false` with an error, the others are classified,
    /// and the exit status is 1.
    func testCorruptImageAmongGoodOnes() throws {
        let temp = try TemporaryDirectory()
        var garbage = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &garbage) }
        let bad = try temp.write(Data(bytes), to: "corrupt.png")
        let args = ["Data/samples/screen_1.jpg", bad.path, "Data/samples/document_1.jpg"]

        let r = try tool(args + ["--json"])
        assertExit(r, 1)
        let lines = try decodeLines(PredictionLine.self, r)
        XCTAssertEqual(lines.map(\.file), args, "\(r)")
        guard lines.count == 3 else { return }
        XCTAssertFalse(lines[1].ok)
        XCTAssertFalse(try XCTUnwrap(lines[1].error).isEmpty)
        XCTAssertNil(lines[1].class)
        XCTAssertNil(lines[1].probabilities)
        XCTAssertNil(lines[1].embedding)
        XCTAssertEqual(lines[1].modelID, lines[0].modelID)
        XCTAssertEqual(lines[0].ok && lines[2].ok, true)
        XCTAssertEqual(lines[0].class, "screen")
        XCTAssertEqual(lines[2].class, "document")
        XCTAssertTrue(r.stderr.contains("1 of 3 images failed"), r.stderr)

        let text = try tool(args)
        assertExit(text, 1)
        XCTAssertTrue(text.stderr.contains("\(bad.path): error: "), text.stderr)
        XCTAssertTrue(text.stdout.contains("Data/samples/screen_1.jpg: screen ("), text.stdout)
        XCTAssertTrue(text.stdout.contains("Data/samples/document_1.jpg: document ("), text.stdout)
        XCTAssertFalse(text.stdout.contains("corrupt.png"), "errors go to stderr in text mode")
    }

    /// A missing file fails the run and is named on stderr.
    func testMissingFileIsNamed() throws {
        let r = try tool(["Data/samples/screen_1.jpg", "Data/samples/no_such_image.jpg"])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("Data/samples/no_such_image.jpg"), r.stderr)
        XCTAssertTrue(r.stdout.contains("Data/samples/screen_1.jpg: screen ("), "the good image still runs")
    }

    /// A folder without images is an error, not an empty success.
    func testFolderWithoutImages() throws {
        let temp = try TemporaryDirectory()
        try temp.write("not an image", to: "notes.txt")
        let r = try tool([temp.path])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("no PNG or JPEG images found"), r.stderr)
        XCTAssertTrue(r.stdout.isEmpty, r.stdout)
    }
}
