import ClassifyEmbed
import Engine
import Foundation
import Imaging
import Layers
import Model
import TestSupport
import Training
import XCTest

final class PredictorTests: XCTestCase {
    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "predictor")
    }

    override func tearDown() {
        tmp = nil
    }

    static func modelFile(
        in folder: TemporaryDirectory, seed: UInt64 = 3, neck: String = "flatten", norm: String = "ln"
    ) throws -> URL {
        var spec = ModelSpec()
        spec.inputSize = 64
        spec.embeddingSize = 16
        spec.classHeadHidden = 16
        spec.neck = NeckKind(rawValue: neck)!
        spec.neckNorm = NeckNorm(rawValue: norm)!
        let model = JointModel(spec: spec, seed: seed)
        let url = folder.file("model-\(UUID()).safetensors")
        try ModelFile.write(model.namedTensors, spec: spec, preprocessing: spec.preprocessing, to: url)
        return url
    }

    /// Small PNGs of different content in a folder tree inside `folder`.
    static func images(in folder: TemporaryDirectory, count: Int, seed: UInt64) throws -> URL {
        let root = folder.file("images-\(UUID())")
        var rng = SeededGenerator(seed: seed)
        for i in 0..<count {
            var image = RGBImage(width: 40 + i, height: 30)
            for j in image.pixels.indices { image.pixels[j] = UInt8(truncatingIfNeeded: rng.next()) }
            let folder = root.appendingPathComponent(i % 2 == 0 ? "a" : "b/c")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try PNGWriter.write(image, to: folder.appendingPathComponent("img\(i).png"))
        }
        return root
    }

    func testPredictionEqualsTheUnfoldedModelInEvalMode() throws {
        let url = try Self.modelFile(in: tmp)
        let predictor = try Predictor(modelPath: url.path)
        let folder = try Self.images(in: tmp, count: 3, seed: 1)
        let files = ImageInputs.images(under: folder)
        XCTAssertEqual(files.count, 3)
        let file = try ModelFile(contentsOf: url)
        let model = try JointModel(modelFile: file)
        let pre = file.preprocessing
        for (file, result) in zip(files, predictor.predict(files: files, batchSize: 2)) {
            let p = try result.get()
            let (e, l) = model.forward(pre.tensor(from: try ImageDecoder().decode(contentsOf: file)), training: false)
            let logits = (0..<3).map { l.data[$0] }
            let m = logits.max()!
            let z = logits.map { exp($0 - m) }.reduce(0, +)
            for k in 0..<3 { XCTAssertEqual(p.probabilities[k], exp(logits[k] - m) / z, accuracy: 1e-4) }
            XCTAssertEqual(p.label, ["document", "not_a_document", "screen"][(0..<3).max { logits[$0] < logits[$1] }!])
            let norm = (0..<16).map { e.data[$0] * e.data[$0] }.reduce(0, +).squareRoot()
            for k in 0..<16 { XCTAssertEqual(p.embedding[k], e.data[k] / norm, accuracy: 1e-4) }
            let single = try predictor.predict(contentsOf: file)
            XCTAssertEqual(single.label, p.label)
            for (a, b) in zip(single.probabilities + single.embedding, p.probabilities + p.embedding) {
                XCTAssertEqual(a, b, accuracy: 1e-5, "batched and single predictions agree (GEMM vs GEMV rounding)")
            }
        }
    }

    func testABadImageFailsAloneAndThresholdsNeedATable() throws {
        let predictor = try Predictor(modelPath: try Self.modelFile(in: tmp).path)
        let folder = try Self.images(in: tmp, count: 2, seed: 2)
        let bad = folder.appendingPathComponent("bad.png")
        try Data("not an image".utf8).write(to: bad)
        let results = predictor.predict(
            files: ImageInputs.images(under: folder) + [folder.appendingPathComponent("missing.jpg")])
        XCTAssertEqual(results.count, 4)
        XCTAssertEqual(results.filter { (try? $0.get()) != nil }.count, 2)
        XCTAssertThrowsError(try predictor.threshold(atFPR: 1e-2)) {
            XCTAssertTrue("\($0)".contains("--write-thresholds"), "\($0)")
        }
        XCTAssertThrowsError(try Predictor(modelPath: "/nonexistent/model.safetensors")) {
            XCTAssertTrue("\($0)".contains("no such model file"))
        }
    }

    func testGlobsAndFoldersExpand() throws {
        let folder = try Self.images(in: tmp, count: 4, seed: 3)
        XCTAssertEqual(ImageInputs.expand([folder.path]).count, 4)
        XCTAssertEqual(
            ImageInputs.expand([folder.path + "/a/*.png"]).map(\.lastPathComponent), ["img0.png", "img2.png"])
        XCTAssertEqual(
            ImageInputs.expand([folder.path + "/nothing*.png"]).count, 1, "an unmatched pattern stays, to be reported")
    }

    func testGalleryRegistersMatchesRemovesAndRefusesAnotherModel() throws {
        let url = try Self.modelFile(in: tmp)
        let predictor = try Predictor(modelPath: url.path)
        let folder = try Self.images(in: tmp, count: 4, seed: 4)
        let path = tmp.file("gallery.sqlite").path
        let gallery = try Gallery(path: path, predictor: predictor, create: true)
        let files = ImageInputs.images(under: folder)
        let predictions = try files.map { try predictor.predict(contentsOf: $0) }
        let items = zip(files, predictions).map {
            (label: $0.0.deletingPathExtension().lastPathComponent, file: $0.0.path, prediction: $0.1)
        }
        var regs = try gallery.register(items, nearDuplicate: 1.5)
        XCTAssertEqual(try gallery.count(), 4)
        XCTAssertTrue(regs.allSatisfy { $0.duplicateOf == nil })
        // The same image under another label is flagged as an exact duplicate.
        regs = try gallery.register(
            [(label: "copy", file: files[1].path, prediction: predictions[1])], nearDuplicate: 0.9)
        XCTAssertEqual(regs[0].duplicateOf, items[1].label)
        XCTAssertTrue(regs[0].exactDuplicate)
        // Every image finds itself (or its copy) with similarity 1.
        let matches = try gallery.match(predictions.map(\.embedding), threshold: 0.999, fpr: nil)
        for (m, item) in zip(matches, items) {
            let m = try XCTUnwrap(m)
            XCTAssertTrue(m.label == item.label || m.label == "copy")
            XCTAssertEqual(m.similarity, 1, accuracy: 1e-5)
            XCTAssertTrue(m.matched)
        }
        XCTAssertEqual(try gallery.remove(["copy", "nope"]), ["nope"])
        XCTAssertEqual(try gallery.labels(), items.map(\.label).sorted())
        // Re-registering a label replaces its embedding.
        _ = try gallery.register(
            [(label: items[0].label, file: files[3].path, prediction: predictions[3])], nearDuplicate: 2)
        XCTAssertEqual(try gallery.count(), 4)
        let again = try gallery.match([predictions[0].embedding], threshold: 0.999, fpr: nil)[0]!
        let expected = (1..<4).map { cosineSimilarity(predictions[0].embedding, predictions[$0].embedding) }.max()!
        XCTAssertEqual(again.similarity, expected, accuracy: 1e-5, "the old embedding is gone")
        // Reopened with a different model: refused.
        let other = try Predictor(modelPath: try Self.modelFile(in: tmp, seed: 9).path)
        XCTAssertThrowsError(try Gallery(path: path, predictor: other, create: false)) { e in
            XCTAssertTrue("\(e)".contains("another model"), "\(e)")
        }
        XCTAssertNoThrow(try Gallery(path: path, predictor: try Predictor(modelPath: url.path), create: false))
    }
}
